// SPDX-License-Identifier: Apache-2.0
#include "fuzz_target.h"

#include <cstdio>
#include <cstdlib>

namespace iuprobe::fuzzing {

void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz: property failed: %s\n", what);
  std::abort();
}

}  // namespace iuprobe::fuzzing
