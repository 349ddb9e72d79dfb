// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "app/live_session.h"
#include "app/options.h"

namespace iuprobe {

struct ProbeOptions {
  TargetOptions target;
  AwsFlags aws;
  ConnectionFlags connection;
  ModelFlags model;
  OutputOptions output;
  double max_error_rate = 0;
  std::string slo_p95;
  std::string slo_p99;
  double start_tps = 10;
  double max_tps = 100000;
  double precision = 0.02;
  unsigned verify_scaling = 0;  // then probe again with this many IUs
  // Append a plan:
  std::optional<double> target_tps;
  std::optional<std::uint64_t> batch_images;
  std::string within;
  std::optional<double> price_per_iu_hour;
  WebFlags web;
};

// Finds the maximum sustainable TPS (see search/max_rate_search.h) and writes result.json and
// report.html. A model iuprobe started is stopped on every way out.
// With `dashboard`, the live page is that one (the demo's) rather than one made from --web.
int probe_command(const ProbeOptions& options, LiveDashboard* dashboard = nullptr);

}  // namespace iuprobe
