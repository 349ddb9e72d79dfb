// SPDX-License-Identifier: Apache-2.0
#include "report/plan_report.h"

#include <gtest/gtest.h>

#include "report/report_test_support.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

using report_testing::found;

TEST(RenderProbePlans, PlansFromTheTpsPerIu) {
  // 10 TPS on 2 IUs is 5 per IU: 15 TPS needs 3 IUs; 54,000 images in 1 h need 3 IUs.
  const std::string text =
      render_probe_plans(found(10, 2), {.target_tps = 15, .batch_images = 54000, .within = 1h});
  EXPECT_NE(text.find("plan: 15 TPS at 5 TPS per IU\n  IUs          3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("batch: 54,000 images within 1h at 5 TPS per IU"), std::string::npos) << text;
  EXPECT_NE(text.find("  3           1h       3.00       $12.00        yes   <- plan"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("assumes the endpoint had 1 IU"), std::string::npos);
  EXPECT_EQ(render_probe_plans(found(10, 2), {}), "");
}

TEST(RenderProbePlans, NoPlanFromALowerBoundOrAnUnfinishedProbe) {
  ProbeReport bound = found(10, 1);
  bound.answer.verdict = SearchAnswer::Verdict::kGeneratorLimited;
  EXPECT_NE(render_probe_plans(bound, {.target_tps = 15}).find("not made"), std::string::npos);
  ProbeReport stopped = found(10, 1);
  stopped.interrupted = true;
  EXPECT_NE(render_probe_plans(stopped, {.target_tps = 15}).find("did not finish"),
            std::string::npos);
}

TEST(RenderProbePlans, AnUnknownIuCountIsSaid) {
  EXPECT_NE(
      render_probe_plans(found(10, 0), {.target_tps = 15}).find("assumes the endpoint had 1 IU"),
      std::string::npos);
}

}  // namespace
}  // namespace iuprobe
