# systemd units (included from config/CMakeLists.txt).
#
#   ${CMAKE_BINARY_DIR}/pvpd.service            installed unit, ExecStart in the install prefix
#   ${CMAKE_BINARY_DIR}/pvpd-buildtree.service  same unit pointing at the build tree's bin/pvpd,
#                                               for `systemd-analyze verify` (which checks that
#                                               every Exec binary exists) and for local testing
#   ${CMAKE_BINARY_DIR}/pvpd.socket             optional socket activation
#
# Units go to <prefix>/lib/systemd/system: /usr/local/lib/systemd/system is on systemd's search
# path for a /usr/local prefix, and packagers set PVPD_SYSTEMD_UNIT_DIR (e.g. to the output of
# `pkg-config --variable=systemdsystemunitdir systemd`).
set(PVPD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where to install pvpd.service and pvpd.socket (relative to the prefix, or absolute)")

set(PVPD_UNIT_BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
set(PVPD_UNIT_DOCDIR ${CMAKE_INSTALL_FULL_DOCDIR})
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/pvpd.service.in ${CMAKE_BINARY_DIR}/pvpd.service @ONLY)

set(PVPD_UNIT_BINDIR ${CMAKE_BINARY_DIR}/bin)
set(PVPD_UNIT_DOCDIR ${CMAKE_SOURCE_DIR}/docs)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/pvpd.service.in
               ${CMAKE_BINARY_DIR}/pvpd-buildtree.service @ONLY)

configure_file(${CMAKE_CURRENT_SOURCE_DIR}/pvpd.socket ${CMAKE_BINARY_DIR}/pvpd.socket COPYONLY)

install(FILES ${CMAKE_BINARY_DIR}/pvpd.service ${CMAKE_BINARY_DIR}/pvpd.socket
        DESTINATION ${PVPD_SYSTEMD_UNIT_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Unit lint and hardening regression gate; needs the pvpd binary (ExecStart must exist).
if(BUILD_TESTING OR PVPD_BUILD_TESTS)
  # The top-level enable_testing() runs after add_subdirectory(config); without this call here
  # CMake would silently drop the add_test below.
  enable_testing()
  add_test(NAME systemd_units_analyze
           COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-units ${CMAKE_BINARY_DIR})
  set_tests_properties(systemd_units_analyze PROPERTIES LABELS systemd TIMEOUT 120)
endif()
