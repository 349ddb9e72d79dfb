// SPDX-License-Identifier: Apache-2.0
#include "engine/wire.h"

#include <gtest/gtest.h>

#include <random>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

// A window with every field set, and latencies spread over the histogram's range.
Window filled_window(std::uint64_t seed) {
  Window w;
  for (std::size_t i = 0; i < kOutcomeCount; ++i) w.outcomes[i] = seed * 10 + i;
  w.scheduled = seed + 1;
  w.sent = seed + 2;
  w.late = seed + 3;
  w.queued = seed + 4;
  w.bytes_sent = (seed + 5) << 33;  // past 2^53 would lose digits as a double: kept as integers
  w.bytes_received = (std::uint64_t{1} << 63) + seed;
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(30e6), 2.0);
  for (int i = 0; i < 2000; ++i) {
    w.latency.record(Duration{static_cast<std::int64_t>(dist(rng))});
    w.service_latency.record(Duration{static_cast<std::int64_t>(dist(rng) / 2)});
  }
  return w;
}

void expect_same(const Window& a, const Window& b) {
  EXPECT_EQ(a.outcomes, b.outcomes);
  EXPECT_EQ(a.scheduled, b.scheduled);
  EXPECT_EQ(a.sent, b.sent);
  EXPECT_EQ(a.late, b.late);
  EXPECT_EQ(a.queued, b.queued);
  EXPECT_EQ(a.bytes_sent, b.bytes_sent);
  EXPECT_EQ(a.bytes_received, b.bytes_received);
  for (const auto& [x, y] :
       {std::pair{&a.latency, &b.latency}, std::pair{&a.service_latency, &b.service_latency}}) {
    EXPECT_EQ(x->state().buckets, y->state().buckets);
    EXPECT_EQ(x->min(), y->min());
    EXPECT_EQ(x->max(), y->max());
    EXPECT_EQ(x->mean(), y->mean());
  }
}

TEST(Wire, AnOpenLoopPlanArrivesAsSent) {
  OpenLoop plan{
      RateProfile(
          {{.duration = 1s, .rate_begin = 80, .rate_end = 80, .phase = Phase::kDrain},
           {.duration = 500ms, .rate_begin = 40.25, .rate_end = 40.25, .phase = Phase::kSettle},
           {.duration = 2200ms, .rate_begin = 40.25, .rate_end = 90.5}}),
      Arrivals::kPoisson};
  auto back = decode_plan(encode_plan(plan));
  ASSERT_TRUE(back) << back.error().message;
  const auto* open = std::get_if<OpenLoop>(&*back);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->arrivals, Arrivals::kPoisson);
  ASSERT_EQ(open->profile.segments().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const RateSegment& a = plan.profile.segments()[i];
    const RateSegment& b = open->profile.segments()[i];
    EXPECT_EQ(a.duration, b.duration);
    EXPECT_EQ(a.rate_begin, b.rate_begin);
    EXPECT_EQ(a.rate_end, b.rate_end);
    EXPECT_EQ(a.phase, b.phase);
  }
  EXPECT_EQ(open->profile.total_arrivals(), plan.profile.total_arrivals());
}

TEST(Wire, AClosedLoopPlanArrivesAsSentWithOrWithoutPacing) {
  for (const std::optional<Duration> pacing :
       {std::optional<Duration>{}, std::optional<Duration>{250ms}}) {
    ClosedLoop plan{UsersProfile(
        {{.duration = 3s, .users = 4, .phase = Phase::kWarmup}, {.duration = 5s, .users = 16}},
        pacing)};
    auto back = decode_plan(encode_plan(plan));
    ASSERT_TRUE(back) << back.error().message;
    const auto* closed = std::get_if<ClosedLoop>(&*back);
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->profile.pacing(), pacing);
    ASSERT_EQ(closed->profile.segments().size(), 2u);
    EXPECT_EQ(closed->profile.segments()[0].phase, Phase::kWarmup);
    EXPECT_EQ(closed->profile.segments()[1].users, 16u);
    EXPECT_EQ(closed->profile.total_duration(), 8s);
  }
}

TEST(Wire, WindowsMergeAsTheirOriginalsDo) {
  // Three ranks' windows: merged after the trip, they count what merging them at home counts.
  Window at_home;
  Window merged;
  for (std::uint64_t rank = 0; rank < 3; ++rank) {
    const WorkerReport report{.window = filled_window(rank + 1),
                              .in_flight = 7 + rank,
                              .connections = 64,
                              .cpu = 0.25 * static_cast<double>(rank),
                              .plan_done = rank == 1};
    const PeerFlags flags{.done = report.plan_done, .stop_requests = static_cast<int>(rank)};
    auto back = decode_window(encode_window(report, flags));
    ASSERT_TRUE(back) << back.error().message;
    const auto& [report_back, flags_back] = *back;
    expect_same(report_back.window, report.window);
    EXPECT_EQ(report_back.in_flight, report.in_flight);
    EXPECT_EQ(report_back.connections, report.connections);
    EXPECT_EQ(report_back.cpu, report.cpu);
    EXPECT_EQ(report_back.plan_done, report.plan_done);
    EXPECT_EQ(flags_back.done, flags.done);
    EXPECT_EQ(flags_back.stop_requests, flags.stop_requests);
    EXPECT_FALSE(flags_back.abort);
    at_home.merge(report.window);
    merged.merge(report_back.window);
  }
  expect_same(merged, at_home);
  for (double p : {50.0, 95.0, 99.0, 99.9})
    EXPECT_EQ(merged.latency.percentile(p), at_home.latency.percentile(p));
}

TEST(Wire, AVerdictCarriesTheStopAndTheAnswerThatEndedTheLoad) {
  const PeerFlags flags{.done = true,
                        .stop_requests = 2,
                        .stop_signal = 15,
                        .abort = Error{.kind = ErrorKind::kAuth,
                                       .message = "InvalidSignatureException: \"quoted\"\n"}};
  auto back = decode_verdict(encode_verdict(flags));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->done);
  EXPECT_EQ(back->stop_requests, 2);
  EXPECT_EQ(back->stop_signal, 15);
  ASSERT_TRUE(back->abort);
  EXPECT_EQ(back->abort->kind, ErrorKind::kAuth);
  EXPECT_EQ(back->abort->message, flags.abort->message);
  EXPECT_FALSE(decode_verdict(R"({"v":1,"kind":"verdict","flags":{"done":true,"stop_requests":0,)"
                              R"("stop_signal":0,"abort":{"kind":99,"message":""}}})"));
}

TEST(Wire, AnOrderCarriesItsPlanAndStartOrSaysThereAreNoMore) {
  const auto start = std::chrono::system_clock::now() + 100ms;
  auto back =
      decode_order(encode_order({.plan = OpenLoop{RateProfile::constant(25, 2s)}, .start = start}));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->plan);
  EXPECT_EQ(std::get<OpenLoop>(*back->plan).profile.total_arrivals(), 50);
  EXPECT_EQ(back->start, start);
  auto end = decode_order(encode_order({}));
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->plan);
  auto ready =
      decode_ready(encode_ready("node7", Error{.kind = ErrorKind::kNetwork, .message = "refused"}));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->first, "node7");
  ASSERT_TRUE(ready->second);
  EXPECT_EQ(ready->second->message, "refused");
}

TEST(Wire, TotalsArriveWithEveryPhaseStatusAndError) {
  PlanTotals totals;
  totals.phases = {filled_window(1), Window{}, filled_window(3)};
  totals.statuses.add(200, 9000);
  totals.statuses.add(429, 12);
  for (unsigned i = 0; i < ErrorTally::kMaxKinds + 3; ++i)
    totals.errors.add(500, fmt::format("kind {}", i), i + 1);
  auto back = decode_totals(encode_totals(totals));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->phases.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same(back->phases[i], totals.phases[i]);
  EXPECT_EQ(back->statuses.seen(), totals.statuses.seen());
  const auto a = totals.errors.sorted(), b = back->errors.sorted();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].status, b[i].status);
    EXPECT_EQ(a[i].detail, b[i].detail);
    EXPECT_EQ(a[i].count, b[i].count);
  }
  EXPECT_EQ(back->errors.other(), totals.errors.other());
  EXPECT_GT(back->errors.other(), 0u);
}

TEST(Wire, WhatNoRankSendsIsRefusedNamingTheMessage) {
  const std::string good = encode_window(WorkerReport{.window = filled_window(1)}, {});
  const auto refused = [](std::string_view text, std::string_view why) {
    auto r = decode_window(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().kind, ErrorKind::kInternal);
    EXPECT_NE(r.error().message.find("window message"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("same iuprobe version"), std::string::npos);
  };
  refused("not json", "");
  refused("[1, 2]", "");
  refused(R"({"v": 2, "kind": "window"})", "version 2 of");
  refused(encode_plan(OpenLoop{RateProfile::constant(10, 1s)}), R"("plan")");
  std::string no_cpu = good;
  no_cpu.replace(no_cpu.find("\"cpu\""), 5, "\"cpux\"");
  refused(no_cpu, "no 'cpu'");
  std::string negative = good;
  negative.replace(negative.find("\"in_flight\":0"), 13, "\"in_flight\":-1");
  refused(negative, "");
  std::string repeated = good;
  const auto buckets = repeated.find("\"buckets\":[") + 11;
  const auto first = repeated.substr(buckets, repeated.find(']', buckets) + 1 - buckets);
  repeated.insert(buckets, first + ",");
  refused(repeated, "out of range or repeated");

  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"open","arrivals":"uniform",)"
                           R"("segments":[[-5,1,1,3]]})"));
  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"open","arrivals":"uniform",)"
                           R"("segments":[]})"));
  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"closed","pacing_ns":null,)"
                           R"("segments":[[9000000000000000000,1,3],[9000000000000000000,1,3]]})"));
  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"open","arrivals":"bursty",)"
                           R"("segments":[]})"));
  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"open","arrivals":"uniform",)"
                           R"("segments":[[5,1,1,9]]})"));
  EXPECT_FALSE(decode_plan(R"({"v":1,"kind":"plan","loop":"open","arrivals":"uniform",)"
                           R"("segments":[[5,1e999,1,3]]})"));
}

}  // namespace
}  // namespace iuprobe
