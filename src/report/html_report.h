// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace iuprobe {

// A self-contained report.html for a probe's result.json: the chart library (uPlot, from npm,
// embedded at build time), iuprobe's chart code and the data are all inside, so it opens
// offline and can be mailed as one file.
std::string render_probe_html(const boost::json::object& probe_result);

// JSON made safe to embed in a <script> element.
std::string script_safe_json(const boost::json::value& value);

}  // namespace iuprobe
