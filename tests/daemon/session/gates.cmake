# Gate engine, quorum and gate policy unit tests (included by this directory's CMakeLists.txt).
pvpd_add_gtest(session_gate_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/quorum_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/gate_engine_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/gate_policy_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/gate_digest_test.cpp
  LIBS pvpd_core
  LABELS unit)
