# pvpd_add_gtest(<name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s])
# One GoogleTest executable, registered with ctest per test case, run from the build tree with
# PVPD_BUILD_DIR/PVPD_SOURCE_DIR in the environment.
#
# gtest_discover_tests(PROPERTIES ...) flattens list values (only the first label and the first
# environment entry survive), so the properties are applied by a generated include file that
# runs after discovery instead.
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
  gtest_discover_tests(${name} TEST_LIST ${name}_TESTS DISCOVERY_TIMEOUT 30)
  set(props_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_props.cmake)
  file(WRITE ${props_file}
    "foreach(t \${${name}_TESTS})\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES\n"
    "    LABELS \"${ARG_LABELS}\"\n"
    "    TIMEOUT ${ARG_TIMEOUT}\n"
    "    ENVIRONMENT \"PVPD_BUILD_DIR=${CMAKE_BINARY_DIR};PVPD_SOURCE_DIR=${CMAKE_SOURCE_DIR}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${props_file})
endfunction()
