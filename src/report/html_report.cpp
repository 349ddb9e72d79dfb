// SPDX-License-Identifier: Apache-2.0
#include "report/html_report.h"

#include <boost/json/serialize.hpp>
#include <initializer_list>
#include <string_view>

namespace iuprobe {
namespace assets {
extern const std::string_view kUplotJs;
extern const std::string_view kUplotCss;
extern const std::string_view kChartsJs;
extern const std::string_view kReportJs;
extern const std::string_view kReportCss;
extern const std::string_view kPlanJs;
extern const std::string_view kLiveJs;
extern const std::string_view kLiveCss;
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

namespace {

// The step table, filled by IuprobeCharts.stepRow in both pages.
constexpr std::string_view kStepsTable =
    R"(<table id="steps-table"><thead><tr><th>#</th><th>phase</th><th>offered/s</th>
<th>goodput/s</th><th>throttled/s</th><th>errors/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>
<th>verdict</th><th>capacity in</th></tr></thead><tbody id="steps"></tbody></table>)";

// One self-contained page: uPlot's and the shared styles plus `css`, the body, then uPlot,
// charts.js and each of `scripts` in its own element. No favicon request.
std::string render_page(std::string_view title, std::string_view css,
                        std::initializer_list<std::string_view> body,
                        std::initializer_list<std::string_view> scripts) {
  std::string html;
  html.reserve(assets::kUplotJs.size() + 64 * 1024);
  html += R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="iuprobe">
<link rel="icon" href="data:,">
<title>)";
  html += title;
  html += "</title>\n<style>";
  html += assets::kUplotCss;
  html += assets::kReportCss;
  html += css;
  html += "</style></head>\n";
  for (std::string_view part : body) html += part;
  html += "\n<script>";
  html += assets::kUplotJs;
  html += "</script>\n<script>";
  html += assets::kChartsJs;
  for (std::string_view script : scripts) {
    html += "</script>\n<script>";
    html += script;
  }
  html += "</script>\n</body></html>\n";
  return html;
}

}  // namespace

std::string render_probe_html(const boost::json::object& probe_result) {
  const std::string data = "window.IUPROBE_RESULT = " + script_safe_json(probe_result) + ";";
  return render_page("iuprobe probe report", "",
                     {R"(<body>
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
)",
                      kStepsTable, R"(</section>
<footer>Made by iuprobe. Latency is measured from each request's scheduled send time. Grey bands
over time are a step's drain and settle seconds: sent, but not judged. This file is
self-contained: it needs no network.</footer>
</main>)"},
                     {data, assets::kReportJs});
}

std::string render_plan_html(const boost::json::object& plans) {
  const std::string data = "window.IUPROBE_PLAN = " + script_safe_json(plans) + ";";
  return render_page("iuprobe plan", "", {R"(<body>
<header><h1>iuprobe · IU plan</h1><div class="target">IUs, IU-hours and cost for the traffic asked about</div></header>
<main id="plans">
</main>
<footer>Made by iuprobe. Capacity is IUs × the TPS per IU the plan was made with; hours are UTC
for plans from CloudWatch. This file is self-contained: it needs no network.</footer>)"},
                     {data, assets::kPlanJs});
}

std::string render_live_page() {
  return render_page("iuprobe live", assets::kLiveCss,
                     {R"(<body data-state="connecting" data-points="0" data-steps="0">
<header><div class="bar"><h1>iuprobe · live</h1><span class="state" id="state">connecting</span>
<span class="elapsed" id="elapsed"></span>
<button id="stop" type="button" title="Ends the run as Ctrl-C does: partial result written, a model iuprobe started is stopped">Stop</button></div>
<div class="target" id="target"></div></header>
<main>
<section class="card tiles" id="tiles"></section>
<section class="card charts live-charts">
<div id="chart-time" class="chart"></div>
<div id="chart-time-latency" class="chart"></div>
<div id="chart-concurrency" class="chart"></div>
<div id="chart-rate" class="chart hidden"></div>
</section>
<section class="card hidden" id="result-card"><p class="headline" id="headline"></p>
<span class="verdict" id="verdict"></span> <span id="reason"></span>
<p id="scaling"></p>
<ul class="warnings" id="warnings"></ul>
<pre id="plans" class="hidden"></pre>
<p id="documents"></p></section>
<section class="card hidden" id="probe-card"><h2 id="probe-title">Search</h2>
<p id="current-step"></p>
<div class="bracket" id="bracket"><div class="known" id="bracket-known"></div><div class="open" id="bracket-open"></div></div>
<p id="bracket-text"></p>
)",
                      kStepsTable, R"(</section>
<section class="card" id="generator-card"><h2>Load generator self-check</h2>
<p id="generator-verdict">waiting for the first second of load</p>
<table id="generator"></table></section>
<section class="card"><h2>Log</h2><ol id="log"></ol></section>
<footer>iuprobe live page: updated every second from the run itself. Latency is measured from each
request's scheduled send time. Grey bands are unjudged seconds (warm-up, drain and settle).</footer>
</main>)"},
                     {assets::kLiveJs});
}

}  // namespace iuprobe
