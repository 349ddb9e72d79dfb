// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <boost/asio/buffer.hpp>
#include <chrono>
#include <optional>

#include "core/clock.h"

namespace iuprobe {

using RealTime = std::chrono::system_clock::time_point;

// The steady and the real-time clock read together, to put the kernel's receive stamps (on the
// real-time clock, which can be stepped) on the steady one that latency is measured on. One
// reading serves every stamp of a batch of reads made just before it.
struct ClockPair {
  TimePoint steady{};
  RealTime real{};

  // The real-time reading paired with the middle of two steady ones, taken again if the thread
  // was preempted between them.
  static ClockPair now();
  // `stamp` on the steady clock; a stamp after this reading (a stepped real-time clock) is
  // taken as the reading itself.
  TimePoint steady_of(RealTime stamp) const;
};

// Asks the kernel to timestamp what `fd` receives (SO_TIMESTAMPNS), for receive_stamped.
void enable_receive_timestamps(int fd);

// What one non-blocking recvmsg(2) gave.
struct StampedReceive {
  ssize_t bytes = 0;  // > 0: data; 0: end of stream; < 0: see `error`
  int error = 0;      // errno when bytes < 0 (EAGAIN: nothing has arrived)
  // When the kernel received the last segment read, on the real-time clock (ClockPair puts it
  // on the steady one). Empty when it gave no timestamp (it turns them on lazily, after the
  // first socket asks).
  std::optional<RealTime> arrived;
};

// Reads what has arrived on `fd` into `space`, without waiting, with its receive time. Asio's
// reads cannot return the kernel's timestamp; this is the one system call that can.
StampedReceive receive_stamped(int fd, boost::asio::mutable_buffer space);

}  // namespace iuprobe
