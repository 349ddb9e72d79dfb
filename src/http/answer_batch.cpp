// SPDX-License-Identifier: Apache-2.0
#include "http/answer_batch.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <climits>
#include <utility>

#include "http/parse_buffered.h"

namespace iuprobe {
namespace {

constexpr int kMaxReads = 4;  // of at most 64 KiB each

}  // namespace

ArrivedRead read_arrived(int fd, boost::beast::flat_buffer& buffer, ResponseScanner& scanner) {
  ArrivedRead out;
  const auto done = [&] { return scanner.finished(); };
  for (int reads = 0;; ++reads) {
    out.bytes += parse_buffered(scanner, buffer, done, out.error);
    if (out.error) {
      out.state = ArrivedRead::State::kFailed;
      return out;
    }
    if (done()) {
      out.state = ArrivedRead::State::kAnswered;
      return out;
    }
    // A large answer still streaming in is left to the socket read: the batch must not hold
    // the worker's wake (and the sends due at it) for a whole transfer.
    if (reads == kMaxReads) return out;  // kWaiting
    const std::size_t size = boost::beast::read_size(buffer, 65536);
    if (size == 0) {
      out.state = ArrivedRead::State::kFailed;
      out.error = boost::beast::http::error::buffer_overflow;
      return out;
    }
    const StampedReceive got = receive_stamped(fd, buffer.prepare(size));
    if (got.bytes == 0 || (got.bytes < 0 && (got.error == EAGAIN || got.error == EWOULDBLOCK)))
      return out;  // kWaiting
    if (got.bytes < 0) {
      out.state = ArrivedRead::State::kFailed;
      out.error = boost::system::error_code(got.error, boost::system::system_category());
      return out;
    }
    buffer.commit(static_cast<std::size_t>(got.bytes));
    if (got.arrived) out.arrived = got.arrived;
  }
}

void wake_on_data(int fd, bool wake) {
  const int mark = wake ? 1 : INT_MAX;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof mark);
}

std::size_t AnswerBatch::take() {
  settle();  // what an earlier take() left unsettled resumes first
  reading_.swap(parked_);
  if (reading_.empty()) return 0;
  std::size_t taken = 0;
  for (ParkedAnswer* answer : reading_) {
    const bool answered = answer->take();
    taken += answered ? 1 : 0;
    miss_share_ += ((answered ? 0.0 : 1.0) - miss_share_) / 32;
  }
  // Only answers that came need the clocks (a slow server's batches read none).
  clocks_ = taken > 0 ? ClockPair::now() : ClockPair{};
  return taken;
}

void AnswerBatch::settle() {
  // Each exchange runs until it next waits: it may park a new answer (in parked_), but adds
  // none to reading_. (An entry forget() cleared, as a stop of that exchange would, is passed
  // over: nothing the worker runs here stops another exchange, but a resumption twice would
  // be the cost if something did.)
  for (std::size_t i = 0; i < reading_.size(); ++i) {
    if (ParkedAnswer* answer = std::exchange(reading_[i], nullptr)) answer->settle(clocks_);
  }
  reading_.clear();
}

void AnswerBatch::release() {
  next_read_.reset();  // first: an exchange settled below must not park again
  settle();
  std::vector<ParkedAnswer*> parked;
  parked.swap(parked_);
  for (ParkedAnswer* answer : parked) answer->unpark();
}

bool AnswerBatch::accepts(TimePoint now) {
  if (!next_read_ || *next_read_ <= now || *next_read_ - now > kHorizon) return false;
  if (miss_share_ <= 0.5) return true;
  return ++refused_ % kProbeEvery == 0;
}

void AnswerBatch::forget(ParkedAnswer& answer) {
  parked_.erase(std::remove(parked_.begin(), parked_.end(), &answer), parked_.end());
  std::replace(reading_.begin(), reading_.end(), &answer, static_cast<ParkedAnswer*>(nullptr));
}

}  // namespace iuprobe
