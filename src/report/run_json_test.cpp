// SPDX-License-Identifier: Apache-2.0
#include "report/run_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "report/csv_history.h"
#include "report/run_summary.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

RunResult sample_result() {
  RunResult r;
  r.started_at = "2026-11-25T10:00:00Z";
  r.address = "127.0.0.1:8080";
  r.measured = 2s;
  r.total.scheduled = 400;
  r.total.sent = 400;
  r.total.count(Outcome::kOk) = 380;
  r.total.count(Outcome::kThrottled) = 20;
  for (int i = 0; i < 380; ++i) r.total.latency.record(5ms);
  r.statuses.add(200);
  r.errors.add(400, "ProvisionedThroughputExceededException", 20);
  WindowRecord w = make_window_record(0, 0s, 1s, r.total);
  r.windows.push_back(w);
  PhaseRecord s;
  s.duration = 2s;
  s.rate_begin = s.rate_end = 200;
  s.totals = r.total;
  r.segments.push_back(s);
  return r;
}

TEST(RunResultJson, CarriesSchemaSummaryStepsAndWindows) {
  boost::json::object config{{"url", "http://127.0.0.1:8080/"}};
  auto o = run_result_json("run", config, sample_result());
  EXPECT_EQ(o["schema_version"].as_int64(), kResultSchemaVersion);
  EXPECT_EQ(o["config"].as_object()["url"].as_string(), "http://127.0.0.1:8080/");
  auto& summary = o["summary"].as_object();
  EXPECT_EQ(summary["outcomes"].as_object()["throttled"].as_uint64(), 20u);
  EXPECT_DOUBLE_EQ(summary["rates_per_s"].as_object()["goodput"].as_double(), 190.0);
  EXPECT_NEAR(summary["latency_ms"].as_object()["p99"].as_double(), 5.0, 0.05);
  EXPECT_EQ(summary["errors"].as_array().size(), 1u);
  EXPECT_EQ(o["steps"].as_array().size(), 1u);
  EXPECT_EQ(o["windows"].as_array().size(), 1u);
  EXPECT_TRUE(o["interrupted"].is_null());
}

// Several MPI ranks: each one's host, sends and share of them, and its own self-check, in the
// file and in the summary; one process has none.
TEST(RunResultJson, NamesEachRankItsShareAndWhetherItKeptUp) {
  RunResult r = sample_result();
  EXPECT_TRUE(run_result_json("run", {}, r).at("ranks").as_array().empty());
  r.ranks = {{.host = "gen-a", .scheduled = 300, .sent = 300},
             {.host = "gen-b", .scheduled = 100, .sent = 100}};
  r.ranks[1].generator.bound = true;
  const auto ranks = run_result_json("run", {}, r).at("ranks").as_array();
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_EQ(ranks[1].at("host").as_string(), "gen-b");
  EXPECT_DOUBLE_EQ(ranks[0].at("share").as_double(), 0.75);
  EXPECT_TRUE(ranks[1].at("generator").at("bound").as_bool());

  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  print_ranks(out, r.ranks);
  std::fclose(out);
  const std::string printed(text, size);
  std::free(text);
  EXPECT_NE(printed.find("2 MPI ranks"), std::string::npos) << printed;
  EXPECT_NE(printed.find("rank 0 on gen-a: 300 sent (75.0%), kept up"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("rank 1 on gen-b: 100 sent (25.0%), FELL BEHIND"), std::string::npos)
      << printed;
}

TEST(RunResultJson, WritesAtomically) {
  auto path = std::filesystem::temp_directory_path() / "iuprobe-json-test.json";
  ASSERT_TRUE(write_json_file(path, boost::json::object{{"a", 1}}));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(boost::json::parse(text.str()).as_object().at("a").as_int64(), 1);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  std::filesystem::remove(path);
}

TEST(CsvHistory, RowHasAColumnForEveryHeaderField) {
  auto r = sample_result();
  const std::string header = CsvHistory::header();
  const std::string row = CsvHistory::row(r.windows[0]);
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ','));
  EXPECT_NE(row.find(",measure,"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
