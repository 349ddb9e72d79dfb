// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "plan/plan.h"

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

// The same, for machines (plan.json).
boost::json::object rate_plan_json(const RatePlan& plan);
boost::json::object batch_plan_json(const BatchPlan& plan, const BatchInput& input);
boost::json::object profile_plan_json(const ProfilePlan& plan, const ProfileInput& input);

}  // namespace iuprobe
