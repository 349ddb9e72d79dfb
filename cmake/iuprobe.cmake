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
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_JSON_NO_LIB BOOST_URL_NO_LIB
  IUPROBE_VERSION="${PROJECT_VERSION}")
target_include_directories(iuprobe_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

# iuprobe_module(<name> SOURCES ... DEPS ...): a module library iuprobe_<name>.
function(iuprobe_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(iuprobe_${name} STATIC ${ARG_SOURCES})
  target_link_libraries(iuprobe_${name} PUBLIC iuprobe_options ${ARG_DEPS})
endfunction()

# iuprobe_module_test(<name> SOURCES ... DEPS ...): one GoogleTest binary per module,
# registered with CTest under the label "unit".
function(iuprobe_module_test name)
  if(NOT IUPROBE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name}_test ${ARG_SOURCES})
  target_link_libraries(${name}_test PRIVATE iuprobe_${name} ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name}_test PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# Asio uses std::atomic_thread_fence, which ThreadSanitizer does not model; g++ warns about
# every use. The warning says nothing about our code, so it must not fail the TSan build.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=thread")
  target_compile_options(iuprobe_options INTERFACE -Wno-tsan)
endif()
# Sanitizer instrumentation makes g++ 12 report std::optional<std::string> members as "maybe
# uninitialized" (a known false positive); the dev build keeps the warning.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  target_compile_options(iuprobe_options INTERFACE -Wno-maybe-uninitialized)
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
