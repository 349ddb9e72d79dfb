# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts where, and the .deb CPack makes of it (scripts/package.sh):
# the binary, a man page made from --help (packaging/manpage.sh, with help2man), bash completion,
# README and licence. Runtime dependencies are computed by dpkg-shlibdeps, not listed by hand.
# Two components: iuprobe (all of the above, no MPI) and mpi, the MPI plugin, packaged apart as
# iuprobe-mpi so that a single-machine user installs no MPI (docs/design/mpi.md).
include(GNUInstallDirs)
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME iuprobe)

install(TARGETS iuprobe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian looks for the licence under this name.
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(FILES packaging/iuprobe.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME iuprobe)

# Off in the sanitizer presets: there, a sanitizer's report would land in the page.
option(IUPROBE_MANPAGE "Make the man page from --help with help2man, when installed" ON)
find_program(HELP2MAN help2man)
if(HELP2MAN AND IUPROBE_MANPAGE)
  set(manpage ${CMAKE_CURRENT_BINARY_DIR}/iuprobe.1.gz)
  add_custom_command(OUTPUT ${manpage}
    COMMAND ${PROJECT_SOURCE_DIR}/packaging/manpage.sh $<TARGET_FILE:iuprobe> ${manpage}
    DEPENDS iuprobe ${PROJECT_SOURCE_DIR}/packaging/manpage.sh
    COMMENT "iuprobe.1.gz from --help (help2man)" VERBATIM)
  add_custom_target(manpage ALL DEPENDS ${manpage})
  install(FILES ${manpage} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  if(TARGET integration_deps)
    add_dependencies(integration_deps manpage)  # the install test installs it
  endif()
endif()

# Where the loader looks after the executable's own directory: <prefix>/bin/../lib/iuprobe
# (src/mpi/mpi_peers.cpp), a private directory, as Debian's policy asks of plugins.
if(TARGET iuprobe_mpi_plugin)
  install(TARGETS iuprobe_mpi_plugin LIBRARY DESTINATION lib/iuprobe COMPONENT mpi)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iuprobe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "iuprobe developers <iuprobe@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "inference-unit sizing for Amazon Rekognition Custom Labels")
# The extended description only: CPack puts the summary on the first line itself (of both
# packages' descriptions).
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "iuprobe drives load at a Custom Labels model (or any HTTP endpoint) with your own images,\n"
    "open-loop and SigV4-signed, finds the rate one inference unit sustains and what it serves\n"
    "when saturated, and plans IUs, wall time, IU-hours and cost for a rate, a batch or a daily\n"
    "profile. It can start the model, probe it and stop it again, and ships an emulator of the\n"
    "service so that all of it runs offline.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # iuprobe_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_IUPROBE_PACKAGE_RECOMMENDS "ca-certificates")  # https endpoints, AWS
set(CPACK_DEBIAN_IUPROBE_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# One .deb per component: iuprobe_<version>_amd64.deb and, when the plugin is built,
# iuprobe-mpi_<version>_amd64.deb, which depends on the same version of iuprobe and (through
# dpkg-shlibdeps) on libopenmpi3, and recommends mpirun.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENTS_ALL iuprobe)
set(CPACK_DEBIAN_IUPROBE_PACKAGE_NAME iuprobe)
if(TARGET iuprobe_mpi_plugin)
  list(APPEND CPACK_COMPONENTS_ALL mpi)
  set(CPACK_COMPONENT_MPI_DEPENDS iuprobe)
  set(CPACK_DEBIAN_MPI_PACKAGE_NAME iuprobe-mpi)
  set(CPACK_DEBIAN_MPI_PACKAGE_RECOMMENDS openmpi-bin)
  string(CONCAT CPACK_DEBIAN_MPI_DESCRIPTION
      "This package is iuprobe's MPI plugin, to run and probe from many generator hosts:\n"
      "with it, `mpirun -np N iuprobe probe|run ...` sends one schedule from N\n"
      "processes on one or many hosts: rank 0 owns the search, the model's start and stop and\n"
      "every output file, and the other ranks send their share of the requests. iuprobe loads\n"
      "the plugin only when an MPI launcher started it.")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_SOURCE_DIR}/dist)
include(CPack)
