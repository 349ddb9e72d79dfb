// SPDX-License-Identifier: Apache-2.0
#include "core/loaded_object.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>

namespace iuprobe {
namespace {

void a_function_in_this_executable() {}

// The truth is glibc's own _dl_find_object (2.35 and newer; the build machine has it): for code
// in the executable, in libc and in the C++ runtime, the same frame table, inside the same mapping.
TEST(LoadedObject, AgreesWithGlibcsDlFindObject) {
  const void* addresses[] = {reinterpret_cast<const void*>(&a_function_in_this_executable),
                             reinterpret_cast<const void*>(&std::fputs),
                             reinterpret_cast<const void*>(&std::terminate)};
  for (const void* address : addresses) {
    dl_find_object truth{};
    ASSERT_EQ(_dl_find_object(const_cast<void*>(address), &truth), 0) << address;
    const std::optional<LoadedObject> found = find_loaded_object(address);
    ASSERT_TRUE(found) << address;
    EXPECT_EQ(found->eh_frame, truth.dlfo_eh_frame) << address;
    EXPECT_NE(found->eh_frame, nullptr) << address;
    EXPECT_GE(found->map_start, truth.dlfo_map_start) << address;
    EXPECT_LE(found->map_end, truth.dlfo_map_end) << address;
    EXPECT_LE(found->map_start, address);
    EXPECT_GT(found->map_end, address);
  }
}

TEST(LoadedObject, NothingHoldsAnUnmappedAddress) {
  const void* unmapped = reinterpret_cast<const void*>(std::uintptr_t{16});
  dl_find_object truth{};
  EXPECT_EQ(_dl_find_object(const_cast<void*>(unmapped), &truth), -1);
  EXPECT_FALSE(find_loaded_object(unmapped));
}

}  // namespace
}  // namespace iuprobe
