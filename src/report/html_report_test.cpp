// SPDX-License-Identifier: Apache-2.0
#include "report/html_report.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace iuprobe {
namespace {

TEST(HtmlReport, IsSelfContainedWithTheChartLibraryAndTheData) {
  const boost::json::object result{{"schema", "iuprobe.probe"}, {"target", "http://x/"}};
  const std::string html = render_probe_html(result);
  EXPECT_NE(html.find("uPlot"), std::string::npos) << "the chart library is embedded";
  EXPECT_NE(html.find("IuprobeCharts"), std::string::npos);
  EXPECT_NE(html.find(R"("schema":"iuprobe.probe")"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing is fetched";
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(HtmlReport, PlanPageEmbedsThePlansSafely) {
  const boost::json::object plans{{"schema", "iuprobe.plan"},
                                  {"plans", boost::json::array{{{"kind", "</script><b>"}}}}};
  const std::string html = render_plan_html(plans);
  EXPECT_NE(html.find("window.IUPROBE_PLAN = "), std::string::npos);
  EXPECT_NE(html.find("profileChart"), std::string::npos) << "plan.js is embedded";
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing is fetched";
}

TEST(HtmlReport, LivePageSharesTheChartCodeAndFetchesNothingElsewhere) {
  const std::string html = render_live_page();
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_NE(html.find("const IuprobeCharts"), std::string::npos);
  EXPECT_NE(html.find("new EventSource"), std::string::npos);
  EXPECT_NE(html.find(R"(<button id="stop")"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(HtmlReport, DataCannotCloseTheScriptElement) {
  const boost::json::object hostile{{"target", "</script><script>alert(1)</script>"}};
  const std::string json = script_safe_json(hostile);
  EXPECT_EQ(json.find("</script>"), std::string::npos);
  EXPECT_EQ(boost::json::parse(json).at("target").as_string(),
            "</script><script>alert(1)</script>");
}

}  // namespace
}  // namespace iuprobe
