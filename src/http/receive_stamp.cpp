// SPDX-License-Identifier: Apache-2.0
#include "http/receive_stamp.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace iuprobe {
namespace {

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

void enable_receive_timestamps(int fd) {
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

StampedReceive receive_stamped(int fd, boost::asio::mutable_buffer space) {
  iovec part{.iov_base = space.data(), .iov_len = space.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  StampedReceive out;
  do {
    out.bytes = ::recvmsg(fd, &message, MSG_DONTWAIT);
  } while (out.bytes < 0 && errno == EINTR);
  if (out.bytes < 0) {
    out.error = errno;
  } else if (out.bytes > 0) {
    if (auto stamp = receive_stamp(message)) out.arrived = steady_from_realtime(*stamp);
  }
  return out;
}

}  // namespace iuprobe
