# SPDX-License-Identifier: Apache-2.0
# Shared compile options and the helpers every module uses.

add_library(iuprobe_options INTERFACE)
target_compile_options(iuprobe_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  # g++ 12 warns when a designated initializer leaves members to their defaults, which is
  # exactly how CONVENTIONS.md asks us to build option structs (g++ 13 no longer warns).
  -Wno-missing-field-initializers
  # False positive on Asio's coroutine frame allocator (gcc PR 109224); ASan's runtime
  # alloc-dealloc-mismatch check still catches real mismatches.
  -Wno-mismatched-new-delete
  $<$<BOOL:${IUPROBE_WERROR}>:-Werror>)
target_compile_definitions(iuprobe_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_SEPARATE_COMPILATION
  # Asio keeps freed coroutine frames (and handlers) per thread for reuse, 2 of each kind by
  # default. A request's exchange holds 3 to 5 frames at once, so with 2 every frame after the
  # second went to malloc and back: 7% of the engine's own instructions per request
  # (docs/design/engine-speed.md). It changes a class's layout: every target must agree.
  BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=8
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_JSON_NO_LIB BOOST_URL_NO_LIB
  IUPROBE_VERSION="${PROJECT_VERSION}")
target_include_directories(iuprobe_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

# Precompiled headers: Asio, Beast, Boost.JSON and fmt cost seconds per translation unit that
# includes them, and most of iuprobe's do. Each is compiled once per preset, into the headers of
# iuprobe_pch (libraries) and iuprobe_test_pch (the same plus GoogleTest), which the modules
# marked PCH and their tests reuse. IUPROBE_PCH=OFF builds without (to check that every file
# includes what it uses).
option(IUPROBE_PCH "Precompile the heavy third-party headers" ON)
set(iuprobe_pch_headers
  <boost/asio/any_io_executor.hpp> <boost/asio/as_tuple.hpp> <boost/asio/awaitable.hpp>
  <boost/asio/co_spawn.hpp> <boost/asio/detached.hpp> <boost/asio/io_context.hpp>
  <boost/asio/ip/tcp.hpp> <boost/asio/post.hpp> <boost/asio/ssl/context.hpp>
  <boost/asio/ssl/stream.hpp> <boost/asio/steady_timer.hpp> <boost/asio/use_awaitable.hpp>
  <boost/beast/core/flat_buffer.hpp> <boost/beast/core/tcp_stream.hpp>
  <boost/beast/http/message.hpp> <boost/beast/http/read.hpp> <boost/beast/http/string_body.hpp>
  <boost/beast/http/write.hpp> <boost/json/object.hpp> <boost/json/parse.hpp>
  <boost/json/serialize.hpp> <boost/json/value.hpp> <fmt/format.h> <tl/expected.hpp>
  <chrono> <functional> <map> <memory> <optional> <string> <string_view> <vector>)
if(IUPROBE_PCH)
  file(WRITE ${CMAKE_BINARY_DIR}/pch/pch.cpp "// The translation unit that precompiles the shared headers.\n")
  add_library(iuprobe_pch OBJECT ${CMAKE_BINARY_DIR}/pch/pch.cpp)
  target_link_libraries(iuprobe_pch PRIVATE iuprobe_options Boost::headers Boost::json
                        OpenSSL::SSL ${IUPROBE_FMT_TARGET} tl::expected)
  target_precompile_headers(iuprobe_pch PRIVATE ${iuprobe_pch_headers})
  if(IUPROBE_BUILD_TESTS)
    add_library(iuprobe_test_pch OBJECT ${CMAKE_BINARY_DIR}/pch/pch.cpp)
    target_link_libraries(iuprobe_test_pch PRIVATE iuprobe_options Boost::headers Boost::json
                          OpenSSL::SSL ${IUPROBE_FMT_TARGET} tl::expected GTest::gtest)
    target_precompile_headers(iuprobe_test_pch PRIVATE ${iuprobe_pch_headers} <gtest/gtest.h>)
  endif()
endif()

# iuprobe_module(<name> [PCH] SOURCES ... DEPS ...): a module library iuprobe_<name>. PCH: its
# files (and its tests') use the precompiled Asio/Beast/JSON headers; for modules that depend
# on Boost, whose include paths the headers need.
function(iuprobe_module name)
  cmake_parse_arguments(ARG "PCH" "" "SOURCES;DEPS" ${ARGN})
  add_library(iuprobe_${name} STATIC ${ARG_SOURCES})
  target_link_libraries(iuprobe_${name} PUBLIC iuprobe_options ${ARG_DEPS})
  if(ARG_PCH AND IUPROBE_PCH)
    target_precompile_headers(iuprobe_${name} REUSE_FROM iuprobe_pch)
    set_target_properties(iuprobe_${name} PROPERTIES IUPROBE_USES_PCH ON)
  endif()
endfunction()

# iuprobe_module_test(<name> [SERIAL] SOURCES ... DEPS ...): one GoogleTest binary per module,
# registered with CTest under the label "unit". SERIAL: its tests time what they send, so ctest
# runs each of them with no other test beside it (RUN_SERIAL), even under `ctest -j2`; not in a
# sanitizer build, where that timing is not checked (src/engine/session_test_support.h).
function(iuprobe_module_test name)
  if(NOT IUPROBE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name}_test ${ARG_SOURCES})
  target_link_libraries(${name}_test PRIVATE iuprobe_${name} ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  get_target_property(uses_pch iuprobe_${name} IUPROBE_USES_PCH)
  if(uses_pch)
    target_precompile_headers(${name}_test REUSE_FROM iuprobe_test_pch)
  endif()
  include(GoogleTest)
  set(serial FALSE)
  if(ARG_SERIAL AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name}_test PROPERTIES LABELS unit RUN_SERIAL ${serial}
                       DISCOVERY_TIMEOUT 60)
endfunction()

# Asio uses std::atomic_thread_fence, which ThreadSanitizer does not model; g++ warns about
# every use. The warning says nothing about our code, so it must not fail the TSan build.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=thread")
  target_compile_options(iuprobe_options INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
endif()
# A unity build (every preset: CMakePresets.json) compiles a batch of a target's files as one
# translation unit, so the Asio/Beast templates they share are instantiated and optimised once
# per batch instead of once per file: a clean build takes a fraction of the time. g++ then sees
# each file as a header included into the batch and warns that a coroutine frame "uses the
# anonymous namespace"; in a header that could break the one-definition rule, here it cannot.
if(CMAKE_UNITY_BUILD)
  target_compile_options(iuprobe_options INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
endif()
# Sanitizer instrumentation makes g++ 12 report std::optional<std::string> members as "maybe
# uninitialized" (a known false positive); the dev build keeps the warning.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  target_compile_options(iuprobe_options INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
endif()

# iuprobe_module_benchmark(<name> SOURCES ...): a Google Benchmark binary <name>_benchmark
# linked with iuprobe_<module>. Not a test: run it by hand or from bench/.
function(iuprobe_module_benchmark module name)
  if(NOT IUPROBE_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_executable(${name}_benchmark ${ARG_SOURCES})
  target_link_libraries(${name}_benchmark PRIVATE iuprobe_${module} benchmark::benchmark)
endfunction()
