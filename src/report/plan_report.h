// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "plan/plan.h"
#include "plan/traffic.h"
#include "probe/probe_report.h"

namespace iuprobe {

// Where the IU price came from: the user, or the documented default (said as an assumption).
struct PriceSource {
  double usd_per_iu_hour = kDefaultPricePerIuHour;
  bool given = false;
};

// Text for people: the answer first, then how it was reached and what it assumes.
std::string render_rate_plan(const RatePlan& plan, unsigned min_iu, const PriceSource& price);
std::string render_batch_plan(const BatchPlan& plan, const BatchInput& input,
                              const PriceSource& price);
std::string render_profile_plan(const ProfilePlan& plan, const ProfileInput& input,
                                const PriceSource& price);
std::string render_price(const PriceSource& price);

// A plan from recorded traffic: where the data came from and what happened under the current
// setting, the profile plan, and what the recommendation saves against what was spent.
struct TrafficPlan {
  TrafficHistory history;
  TrafficSource source;
  TrafficPast past;
  TrafficProfile profile;
  ProfileInput input;
  ProfilePlan plan;
};
std::string render_traffic_plan(const TrafficPlan& t, const PriceSource& price);
boost::json::object traffic_plan_json(const TrafficPlan& t);

// The plans a probe appends to its answer (--target-tps, --batch N --within D), made from its
// TPS per IU (the whole capacity when the IU count is unknown, said so). No plan is made from
// anything but a found capacity: a lower bound or an unfinished search says why not.
struct ProbePlanRequest {
  std::optional<double> target_tps;
  std::optional<std::uint64_t> batch_images;
  Duration within{};
  PriceSource price;
};
std::string render_probe_plans(const ProbeReport& report, const ProbePlanRequest& request);

// The same, for machines (plan.json).
boost::json::object rate_plan_json(const RatePlan& plan);
boost::json::object batch_plan_json(const BatchPlan& plan, const BatchInput& input);
boost::json::object profile_plan_json(const ProfilePlan& plan, const ProfileInput& input);

}  // namespace iuprobe
