# SPDX-License-Identifier: Apache-2.0
# The version comes from one place, project(VERSION) in CMakeLists.txt. `iuprobe --version` adds
# the commit it was built from and the build type: cmake/build_info.cmake writes them into
# <build>/generated/build_info.h at every build (the file changes, and cli.cpp recompiles, only
# when the commit does; a source tree without git says "unknown").
find_package(Git QUIET)
set(IUPROBE_BUILD_KIND "${CMAKE_BUILD_TYPE}")
if(NOT IUPROBE_BUILD_KIND)
  set(IUPROBE_BUILD_KIND "default")
endif()
if(IUPROBE_PORTABLE)
  string(APPEND IUPROBE_BUILD_KIND ", portable")
endif()
set(IUPROBE_BUILD_INFO ${CMAKE_BINARY_DIR}/generated/build_info.h)
add_custom_target(iuprobe_build_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${IUPROBE_BUILD_INFO}
          -DGIT=${GIT_EXECUTABLE} -DBUILD_KIND=${IUPROBE_BUILD_KIND}
          -P ${PROJECT_SOURCE_DIR}/cmake/build_info.cmake
  BYPRODUCTS ${IUPROBE_BUILD_INFO}
  COMMENT "" VERBATIM)
