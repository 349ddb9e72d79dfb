// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "app/aws_options.h"
#include "core/result.h"

namespace iuprobe {

// `iuprobe plan`'s flags as typed: a capacity (--tps-per-iu) and one or more questions.
struct PlanOptions {
  std::optional<double> tps_per_iu;
  std::string from;  // a probe's result.json instead of --tps-per-iu
  std::optional<double> target_tps;
  double headroom = 0;
  unsigned min_iu = 1;
  std::optional<std::uint64_t> images;
  std::optional<std::string> within;
  std::optional<unsigned> iu;
  std::optional<std::string> run_for;
  std::string startup = "0s";
  std::string billing_granularity = "minute";
  std::string profile;
  std::optional<double> price_per_iu_hour;
  std::string json_out;
  std::string html_out;
  // --cloudwatch: the daily (or weekly) profile from the model's recorded traffic.
  bool cloudwatch = false;
  std::string project_version_arn;
  unsigned days = 14;
  double peak_percentile = 100;
  AwsFlags aws;
};

// Prints the plans asked for (rate, batch, forward, daily profile); --json writes them too.
Result<void> plan_command(const PlanOptions& options);

}  // namespace iuprobe
