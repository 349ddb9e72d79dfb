# SPDX-License-Identifier: Apache-2.0
# The version comes from one place, project(VERSION) in CMakeLists.txt. `iuprobe --version` adds
# the commit it was built from and the build type; a source tree without git says "unknown".
find_package(Git QUIET)
set(IUPROBE_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} RESULT_VARIABLE git_result
                  OUTPUT_VARIABLE commit ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(git_result EQUAL 0)
    set(IUPROBE_COMMIT ${commit})
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --absolute-git-dir
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE git_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
    # Configure again when HEAD moves, so that --version names the commit that was built.
    execute_process(COMMAND ${GIT_EXECUTABLE} symbolic-ref -q HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE head_ref ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    foreach(file HEAD ${head_ref} packed-refs)
      if(EXISTS "${git_dir}/${file}")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${git_dir}/${file}")
      endif()
    endforeach()
  endif()
endif()
set(IUPROBE_BUILD_KIND "${CMAKE_BUILD_TYPE}")
if(NOT IUPROBE_BUILD_KIND)
  set(IUPROBE_BUILD_KIND "default")
endif()
if(IUPROBE_PORTABLE)
  string(APPEND IUPROBE_BUILD_KIND ", portable")
endif()
