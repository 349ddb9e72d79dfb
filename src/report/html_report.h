// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace iuprobe {

// A self-contained report.html for a probe's result.json: the chart library (uPlot, from npm,
// embedded at build time), iuprobe's chart code and the data are all inside, so it opens
// offline and can be mailed as one file.
std::string render_probe_html(const boost::json::object& probe_result);

// plan.html for `iuprobe plan --json`'s content: each profile as a chart of demand per hour
// against the capacity each option provides, and the options; self-contained like report.html.
std::string render_plan_html(const boost::json::object& plans);

// The live dashboard's page (see live/dashboard.h): the same chart library and chart code as
// report.html, filled from the page's event stream.
std::string render_live_page();

// JSON made safe to embed in a <script> element.
std::string script_safe_json(const boost::json::value& value);

}  // namespace iuprobe
