// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>

#include "core/clock.h"

namespace iuprobe {

// When a send finds every connection busy, whether to open another. It does not while the busy
// connections, at the pace they have been turning exchanges round, are expected to serve every
// waiting send within the horizon (the lateness threshold's floor): opening costs a connect on
// our side and an accept on the server's, just when both are behind. It does while no exchange
// has ended lately (a stalled server, or none heard from yet) or they end slowly: an open-loop
// send must not wait long for a connection. An estimate, not a bound: a send may wait longer.
// One per worker thread; not thread-safe.
class ConnectionGrowth {
 public:
  explicit ConnectionGrowth(Duration horizon) : horizon_(horizon) {}

  // An exchange took its connection at `began` and left it free at `ended`.
  void exchanged(TimePoint began, TimePoint ended);
  // Answers were read at `at`; their exchanges end (and call exchanged()) later.
  void answered(TimePoint at);
  // The worker was held up (it woke late) until `until`: answers it could not hear meanwhile
  // are no sign of a stalled server, so the silence before does not count.
  void held_up(TimePoint until);
  // Whether `waiting` sends need more connections than the `connecting` ones being opened and
  // what the `serving` busy ones will serve within the horizon after `now`.
  bool need_more(std::size_t waiting, std::size_t connecting, std::size_t serving,
                 TimePoint now) const;

 private:
  Duration horizon_;
  double turnaround_s_ = 0;  // exchanges' time from taking a connection to freeing it, 1/32 EWMA
  std::optional<TimePoint> last_answer_;
};

}  // namespace iuprobe
