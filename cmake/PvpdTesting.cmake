# pvpd_add_gtest(<name> SOURCES ... [LIBS ...] [LABELS ...])
# One GoogleTest executable, registered with ctest per test case (gtest_discover_tests), run
# from the build tree with PVPD_BUILD_DIR/PVPD_SOURCE_DIR in the environment.
find_package(GTest REQUIRED)
include(GoogleTest)
function(pvpd_add_gtest name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/bin)
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main GTest::gmock
                                        pvpd_warnings ${ARG_LIBS})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 30
    PROPERTIES
      LABELS "${ARG_LABELS}"
      TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "PVPD_BUILD_DIR=${CMAKE_BINARY_DIR};PVPD_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
