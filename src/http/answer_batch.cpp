// SPDX-License-Identifier: Apache-2.0
#include "http/answer_batch.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

namespace iuprobe {
namespace {

constexpr int kMaxReads = 4;  // of at most 64 KiB each

// The kernel stamps on the real-time clock; a steady time point is what latency is taken from.
// The real-time reading is paired with the middle of two steady ones, taken again if the thread
// was preempted between them.
TimePoint steady_from_realtime(const timespec& stamp) {
  using std::chrono::system_clock;
  TimePoint before{}, after{};
  system_clock::time_point now_real{};
  for (int attempt = 0; attempt < 3; ++attempt) {
    before = SteadyClock::now();
    now_real = system_clock::now();
    after = SteadyClock::now();
    if (after - before < std::chrono::microseconds(20)) break;
  }
  const TimePoint now = before + (after - before) / 2;
  const auto real = system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
      std::chrono::seconds(stamp.tv_sec) + std::chrono::nanoseconds(stamp.tv_nsec)));
  return now - std::chrono::duration_cast<Duration>(
                   std::max(now_real - real, system_clock::duration::zero()));
}

std::optional<timespec> receive_stamp(msghdr& message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec stamp{};
      std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
      return stamp;
    }
  }
  return std::nullopt;
}

}  // namespace

ArrivedRead read_arrived(int fd, boost::beast::flat_buffer& buffer, ResponseScanner& scanner) {
  ArrivedRead out;
  std::optional<timespec> stamp;
  bool receive = buffer.size() == 0;
  int reads = 0;
  while (true) {
    if (!receive) {
      boost::system::error_code error;
      const std::size_t used = scanner.put(buffer.data(), error);
      out.bytes += used;
      buffer.consume(used);
      if (scanner.is_done()) break;
      if (error && error != boost::beast::http::error::need_more) {
        out.state = ArrivedRead::State::kFailed;
        out.error = error;
        return out;
      }
      receive = error || used == 0 || buffer.size() == 0;
      if (!receive) continue;
    }
    // A large answer still streaming in is left to the socket read: the batch must not hold
    // the worker's wake (and the sends due at it) for a whole transfer.
    if (++reads > kMaxReads) return out;  // kWaiting
    const std::size_t size = boost::beast::read_size(buffer, 65536);
    if (size == 0) {
      out.state = ArrivedRead::State::kFailed;
      out.error = boost::beast::http::error::buffer_overflow;
      return out;
    }
    const auto space = buffer.prepare(size);
    iovec part{.iov_base = space.data(), .iov_len = space.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
    if (n > 0) {
      buffer.commit(static_cast<std::size_t>(n));
      if (auto s = receive_stamp(message)) stamp = s;
      receive = false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK) return out;  // kWaiting
    out.state = ArrivedRead::State::kFailed;
    out.error = boost::system::error_code(errno, boost::system::system_category());
    return out;
  }
  out.state = ArrivedRead::State::kAnswered;
  if (stamp) out.arrived = steady_from_realtime(*stamp);
  return out;
}

void enable_receive_timestamps(int fd) {
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

void wake_on_data(int fd, bool wake) {
  const int mark = wake ? 1 : INT_MAX;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof mark);
}

void AnswerBatch::read() {
  reading_.swap(parked_);
  for (ParkedAnswer* answer : reading_) {
    const double missed = answer->take() ? 0.0 : 1.0;
    miss_share_ += (missed - miss_share_) / 32;
  }
  reading_.clear();
}

void AnswerBatch::release() {
  next_read_.reset();
  reading_.swap(parked_);
  for (ParkedAnswer* answer : reading_) answer->unpark();
  reading_.clear();
}

bool AnswerBatch::accepts(TimePoint now) {
  if (!next_read_ || *next_read_ <= now || *next_read_ - now > kHorizon) return false;
  if (miss_share_ <= 0.5) return true;
  return ++refused_ % kProbeEvery == 0;
}

void AnswerBatch::forget(ParkedAnswer& answer) {
  parked_.erase(std::remove(parked_.begin(), parked_.end(), &answer), parked_.end());
}

}  // namespace iuprobe
