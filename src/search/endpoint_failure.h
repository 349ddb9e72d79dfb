// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <vector>

#include "search/max_rate_search.h"

namespace iuprobe {

// A step that failed by errors, not throttles: it failed, the generator kept up, and most of what
// it refused were errors (5xx, resets, cut-off answers, no answer).
bool failed_by_errors(const MaxRateSearch::Trial& trial);

// The answer when the endpoint, not its capacity, ends the search: it fails with errors (not
// throttles) from the lowest rate tried, it does not answer at all, it stopped answering after
// a step had passed, or it fails a small share of requests with errors at every rate. `trials`
// ends with the step just recorded; `lo` is the search's proven lower bound. nullopt when the
// search goes on.
std::optional<SearchAnswer> endpoint_failure(const std::vector<MaxRateSearch::Trial>& trials,
                                             double lo);

}  // namespace iuprobe
