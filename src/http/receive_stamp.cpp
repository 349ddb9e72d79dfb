// SPDX-License-Identifier: Apache-2.0
#include "http/receive_stamp.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace iuprobe {
namespace {

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

ClockPair ClockPair::now() {
  ClockPair pair;
  TimePoint after{};
  for (int attempt = 0; attempt < 3; ++attempt) {
    pair.steady = SteadyClock::now();
    pair.real = std::chrono::system_clock::now();
    after = SteadyClock::now();
    if (after - pair.steady < std::chrono::microseconds(20)) break;
  }
  pair.steady += (after - pair.steady) / 2;
  return pair;
}

TimePoint ClockPair::steady_of(RealTime stamp) const {
  return steady -
         std::chrono::duration_cast<Duration>(std::max(real - stamp, RealTime::duration::zero()));
}

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
    if (auto stamp = receive_stamp(message)) {
      out.arrived = RealTime(std::chrono::duration_cast<RealTime::duration>(
          std::chrono::seconds(stamp->tv_sec) + std::chrono::nanoseconds(stamp->tv_nsec)));
    }
  }
  return out;
}

}  // namespace iuprobe
