// SPDX-License-Identifier: Apache-2.0
#include "report/probe_report.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "report/report_test_support.h"

namespace iuprobe {
namespace {

using report_testing::found;

std::string result_json(const ProbeReport& report) {
  return boost::json::serialize(probe_json(report));
}

TEST(ReadProbeTpsPerIu, ReadsWhatProbeJsonWrote) {
  auto per_iu = read_probe_tps_per_iu(result_json(found(10, 2)));
  ASSERT_TRUE(per_iu) << per_iu.error().message;
  EXPECT_DOUBLE_EQ(per_iu->tps_per_iu, 5);
  EXPECT_EQ(per_iu->figure, "the sustainable rate for evenly spaced requests, none refused");
  ProbeReport tolerant = found(10, 2);
  tolerant.limits.max_error_rate = 0.001;
  per_iu = read_probe_tps_per_iu(result_json(tolerant));
  ASSERT_TRUE(per_iu) << per_iu.error().message;
  EXPECT_EQ(per_iu->figure,
            "the sustainable rate for evenly spaced requests, at most 0.10% refused as strays (a "
            "step with none passes at once; one with a few is judged at 95% confidence)");
}

TEST(ReadProbeTpsPerIu, SaysWhenTheFigureIsForPoissonArrivals) {
  ProbeReport report = found(10, 2);
  report.arrivals = Arrivals::kPoisson;
  report.limits.max_error_rate = 0.001;
  auto per_iu = read_probe_tps_per_iu(result_json(report));
  ASSERT_TRUE(per_iu) << per_iu.error().message;
  EXPECT_EQ(per_iu->figure,
            "the sustainable rate for Poisson (random) arrivals, at most 0.10% refused (95% "
            "confidence)");
}

TEST(ReadProbeTpsPerIu, RefusesWhatIsNotACapacity) {
  ProbeReport bound = found(900, 1);
  bound.answer.verdict = SearchAnswer::Verdict::kGeneratorLimited;
  ProbeReport unfinished = found(10, 1);
  unfinished.answer.verdict = SearchAnswer::Verdict::kUnfinished;
  const std::pair<std::string, std::string> cases[] = {
      {result_json(bound), "lower bound"},
      {result_json(unfinished), "found no capacity (unfinished)"},
      {result_json(found(10, 0)), "--iu N"},
      {R"({"schema":"iuprobe.result"})", "not a result.json written by iuprobe probe"},
      {R"({"schema":"iuprobe.probe","answer":7})", "not a result.json"},
      {R"({"schema":"iuprobe.probe","answer":{"verdict":"found","tps_per_iu":"x"}})", "--iu N"},
      {"not json at all", "not a result.json"},
      {"", "not a result.json"}};
  for (const auto& [text, reason] : cases) {
    auto per_iu = read_probe_tps_per_iu(text);
    ASSERT_FALSE(per_iu) << text;
    EXPECT_EQ(per_iu.error().kind, ErrorKind::kInput);
    EXPECT_NE(per_iu.error().message.find(reason), std::string::npos) << per_iu.error().message;
  }
}

TEST(ProbeJson, APerIuFigureOnlyFromACapacityOrABoundOnOne) {
  using Verdict = SearchAnswer::Verdict;
  const auto per_iu = [](ProbeReport report) {
    return probe_json(report).at("answer").as_object().if_contains("tps_per_iu") != nullptr;
  };
  EXPECT_TRUE(per_iu(found(10, 2)));
  ProbeReport bound = found(10, 2);
  bound.answer.verdict = Verdict::kGeneratorLimited;  // "at least"
  EXPECT_TRUE(per_iu(bound));
  EXPECT_FALSE(per_iu(found(10, 0)));  // no IU count
  for (const Verdict verdict : {Verdict::kUnfinished, Verdict::kNeverPassed}) {
    ProbeReport report = found(10, 2);
    report.answer.verdict = verdict;
    EXPECT_FALSE(per_iu(report)) << to_string(verdict);
  }
  // A latency knee is no limit in refusals: nothing to divide by the IUs.
  ProbeReport knee = found(100, 2);
  knee.answer.verdict = Verdict::kNoLimitFound;
  knee.answer.knee = 100;
  EXPECT_FALSE(per_iu(knee));
  knee.answer.knee.reset();  // nothing refused up to --max-tps: at least that, per IU
  EXPECT_TRUE(per_iu(knee));
}

TEST(ProbeJson, IusThatMovedWithholdThePerIuFigure) {
  using Units = ProbeReport::RecordedUnits;
  EXPECT_FALSE((Units{.low = 2, .high = 2, .desired_high = 2, .minutes = 3}.changed()));
  EXPECT_FALSE(
      (Units{.before = 2, .low = 2, .high = 2, .desired_high = 2, .minutes = 3}.changed()));
  EXPECT_FALSE((Units{.low = 1, .high = 3}.changed())) << "no minutes: nothing seen";
  EXPECT_TRUE((Units{.low = 1, .high = 1.5, .desired_high = 2, .minutes = 2}.changed()));
  EXPECT_TRUE((Units{.low = 1, .high = 1, .desired_high = 2, .minutes = 2}.changed()))
      << "asked for more IUs, not there yet";
  EXPECT_TRUE((Units{.before = 2, .low = 1, .high = 1, .desired_high = 1, .minutes = 2}.changed()));
  // A search inside one minute: the minute's average is all there is.
  EXPECT_TRUE((Units{.low = 2.62, .high = 2.62, .desired_high = 2.62, .minutes = 1}.changed()));
  EXPECT_TRUE(
      (Units{.low = 3, .high = 3, .desired_high = 3, .minutes = 1, .expected = 1}.changed()));
  EXPECT_FALSE(
      (Units{.low = 1, .high = 1, .desired_high = 1, .minutes = 1, .expected = 1}.changed()));

  ProbeReport steady = found(10, 2);
  steady.recorded_units = Units{.before = 2, .low = 2, .high = 2, .desired_high = 2, .minutes = 2};
  const boost::json::object kept = probe_json(steady);
  EXPECT_DOUBLE_EQ(kept.at("answer").at("tps_per_iu").as_double(), 5);
  EXPECT_FALSE(kept.at("recorded_units").at("autoscaled").as_bool());
  ProbeReport scaled = steady;
  scaled.recorded_units->high = 3;
  const boost::json::object withheld = probe_json(scaled);
  EXPECT_FALSE(withheld.at("answer").as_object().contains("tps_per_iu"));
  EXPECT_TRUE(withheld.at("recorded_units").at("autoscaled").as_bool());
  EXPECT_FALSE(read_probe_tps_per_iu(boost::json::serialize(withheld)));
}

TEST(ProbeJson, SaysHowTheProbeEnded) {
  ProbeReport report = found(10, 1);
  EXPECT_NE(result_json(report).find(R"("failure":null)"), std::string::npos);
  report.failure = Error{ErrorKind::kService, "the model is not running"};
  EXPECT_NE(result_json(report).find(
                R"("failure":{"kind":"service","message":"the model is not running"})"),
            std::string::npos)
      << result_json(report);
}

}  // namespace
}  // namespace iuprobe
