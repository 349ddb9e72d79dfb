// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "http/receive_stamp.h"
#include "http/response_scanner.h"

namespace iuprobe {

// What one read of whatever has arrived on a socket, without waiting, gave.
struct ArrivedRead {
  enum class State : std::uint8_t { kAnswered, kWaiting, kFailed };
  State state = State::kWaiting;
  boost::system::error_code error;  // kFailed
  std::size_t bytes = 0;            // consumed by the scanner
  // When the kernel received the last segment read (SO_TIMESTAMPNS), on the real-time clock.
  // Empty when the kernel gave no timestamp (it turns them on lazily, after the first socket
  // asks): the caller then takes the time of the read.
  std::optional<RealTime> arrived;
};

// Feeds `scanner` from `buffer`, then from non-blocking reads of socket `fd`, until the answer
// is complete, nothing more has arrived, or 256 KiB were read. An end of stream is left for the
// caller's next (waiting) read to report, as Beast's reader would. Beast reads through Asio, which
// cannot return the kernel's receive timestamp; this is the part of its read loop that needs it.
ArrivedRead read_arrived(int fd, boost::beast::flat_buffer& buffer, ResponseScanner& scanner);

// Whether data arriving on `fd` makes it readable (and so wakes an epoll waiter): not while an
// answer is parked, for the owner reads it at its own next wake-up. The kernel caps the mark
// at half its largest receive buffer; an answer larger than that wakes its reader as usual.
void wake_on_data(int fd, bool wake);

// An exchange whose answer waits for its owner's next AnswerBatch::take().
class ParkedAnswer {
 public:
  virtual ~ParkedAnswer() = default;
  // Reads what has arrived; returns whether the answer was complete. The exchange resumes at
  // settle(), once every answer of the batch has been read.
  virtual bool take() = 0;
  // Resumes the exchange after its take(), in place: it runs until it next waits (or ends)
  // before this returns. `clocks`, read after the batch's last read, times the answer: its
  // kernel stamp put on the steady clock, or, without one, the reading itself.
  virtual void settle(const ClockPair& clocks) = 0;
  // Resumes the exchange, which then waits for its answer on its socket.
  virtual void unpark() = 0;
};

// Reads the answers to many requests at one wake-up of their thread. A paced sender wakes once
// per send window anyway; an answer that would wake it in between (half the wake-ups at high
// rates, and on a VM each one costs more than the request) instead waits in the kernel until the
// sender's next wake, and its latency is taken from the kernel's receive timestamp, so the
// measurement does not change. One per worker thread; not thread-safe.
class AnswerBatch {
 public:
  // Answers are parked only when the owner's next take() is at most this far away.
  static constexpr Duration kHorizon = std::chrono::milliseconds(1);

  // The owner will call take() at `at`.
  void expect_read_at(TimePoint at) { next_read_ = at; }
  // Reads every parked answer that has arrived, without resuming any exchange, and returns how
  // many were complete. The clocks are read once for the whole batch, after its last read, not
  // for each answer. The owner then sends what is due and calls settle(): the sends leave
  // first, and no exchange is resumed from the event loop's queue (as release() and a stopped
  // exchange still are), which would cost a queued completion each and a second poll of the
  // reactor at every wake-up.
  std::size_t take();
  // Resumes, in place and in turn, every exchange the last take() read (the complete answers
  // timed, the others then waiting on their sockets). They may park new answers meanwhile.
  void settle();
  // take() and settle() with nothing between them.
  std::size_t read() {
    const std::size_t taken = take();
    settle();
    return taken;
  }
  // The owner will not read again soon: every parked exchange waits on its socket.
  void release();

  // Whether an exchange whose request went out at `now` should park its answer: when the next
  // take() is within the horizon, and (while most answers come later than that, at a slow
  // server) for one exchange in kProbeEvery only, to notice when they stop being late.
  bool accepts(TimePoint now);
  void park(ParkedAnswer& answer) { parked_.push_back(&answer); }
  void forget(ParkedAnswer& answer);
  std::size_t parked() const { return parked_.size(); }
  // The share of recent parked answers that had not arrived by the read, on a 1/32 average.
  double miss_share() const { return miss_share_; }

 private:
  static constexpr unsigned kProbeEvery = 16;

  std::vector<ParkedAnswer*> parked_;
  std::vector<ParkedAnswer*> reading_;  // taken, not yet settled
  ClockPair clocks_;                    // read by the last take()
  std::optional<TimePoint> next_read_;
  double miss_share_ = 0;
  unsigned refused_ = 0;
};

}  // namespace iuprobe
