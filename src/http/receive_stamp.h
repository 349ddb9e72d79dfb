// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <boost/asio/buffer.hpp>
#include <optional>

#include "core/clock.h"

namespace iuprobe {

// Asks the kernel to timestamp what `fd` receives (SO_TIMESTAMPNS), for receive_stamped.
void enable_receive_timestamps(int fd);

// What one non-blocking recvmsg(2) gave.
struct StampedReceive {
  ssize_t bytes = 0;  // > 0: data; 0: end of stream; < 0: see `error`
  int error = 0;      // errno when bytes < 0 (EAGAIN: nothing has arrived)
  // When the kernel received the last segment read, on the steady clock. Empty when it gave no
  // timestamp (it turns them on lazily, after the first socket asks).
  std::optional<TimePoint> arrived;
};

// Reads what has arrived on `fd` into `space`, without waiting, with its receive time. Asio's
// reads cannot return the kernel's timestamp; this is the one system call that can.
StampedReceive receive_stamped(int fd, boost::asio::mutable_buffer space);

}  // namespace iuprobe
