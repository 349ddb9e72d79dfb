// SPDX-License-Identifier: Apache-2.0
#include "report/html_report.h"

#include <boost/json/serialize.hpp>
#include <string_view>

namespace iuprobe {
namespace assets {
extern const std::string_view kUplotJs;
extern const std::string_view kUplotCss;
extern const std::string_view kChartsJs;
extern const std::string_view kReportJs;
extern const std::string_view kReportCss;
}  // namespace assets

std::string script_safe_json(const boost::json::value& value) {
  const std::string text = boost::json::serialize(value);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    // "</script>" and "<!--" must not appear inside a script element; \u003c is the same string.
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_probe_html(const boost::json::object& probe_result) {
  std::string html;
  html.reserve(assets::kUplotJs.size() + 64 * 1024);
  html += R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="iuprobe">
<title>iuprobe probe report</title>
<style>)";
  html += assets::kUplotCss;
  html += assets::kReportCss;
  html += R"(</style></head>
<body>
<header><h1>iuprobe · maximum sustainable TPS</h1><div class="target" id="target"></div></header>
<main>
<section class="card"><p class="headline" id="headline"></p>
<span class="verdict" id="verdict"></span> <span id="reason"></span>
<ul class="warnings" id="warnings"></ul>
<table id="facts"></table></section>
<section class="card charts">
<div id="chart-rate" class="chart"></div>
<div id="chart-latency" class="chart"></div>
<div id="chart-time" class="chart"></div>
<div id="chart-time-latency" class="chart"></div>
</section>
<section class="card"><h2>Steps</h2>
<table id="steps-table"><thead><tr><th>#</th><th>phase</th><th>offered/s</th><th>goodput/s</th>
<th>throttled/s</th><th>errors/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>verdict</th>
<th>capacity in</th></tr></thead><tbody id="steps"></tbody></table></section>
<footer>Made by iuprobe. Latency is measured from each request's scheduled send time. This file
is self-contained: it needs no network.</footer>
</main>
<script>)";
  html += assets::kUplotJs;
  html += "</script>\n<script>";
  html += assets::kChartsJs;
  html += "</script>\n<script>window.IUPROBE_RESULT = ";
  html += script_safe_json(probe_result);
  html += ";</script>\n<script>";
  html += assets::kReportJs;
  html += "</script>\n</body></html>\n";
  return html;
}

}  // namespace iuprobe
