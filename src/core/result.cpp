// SPDX-License-Identifier: Apache-2.0
#include "core/result.h"

namespace iuprobe {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kInput:
      return "input";
    case ErrorKind::kNetwork:
      return "network";
    case ErrorKind::kAuth:
      return "auth";
    case ErrorKind::kService:
      return "service";
    case ErrorKind::kOutput:
      return "output";
    case ErrorKind::kInterrupted:
      return "interrupted";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace iuprobe
