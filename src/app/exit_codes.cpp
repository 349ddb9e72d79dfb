// SPDX-License-Identifier: Apache-2.0
#include "app/exit_codes.h"

#include <csignal>

#include "core/stop.h"

namespace iuprobe {

int exit_code(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kInternal:
      return 1;
    case ErrorKind::kUsage:
      return 2;
    case ErrorKind::kInput:
      return 3;
    case ErrorKind::kNetwork:
      return 4;
    case ErrorKind::kAuth:
      return 5;
    case ErrorKind::kService:
      return 6;
    case ErrorKind::kOutput:
      return 7;
    case ErrorKind::kInterrupted:  // 130 for SIGINT (and the live page's Stop), 143 for SIGTERM
      return exit_code_for_signal(error.signal != 0 ? error.signal : SIGINT);
  }
  return 1;
}

}  // namespace iuprobe
