# PVPD_SANITIZE="address,undefined" or "thread": applied to everything built in this tree,
# plugins included, so a plugin loaded into a sanitized daemon is sanitized too.
if(PVPD_SANITIZE)
  set(_pvpd_san_flags -fsanitize=${PVPD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${_pvpd_san_flags})
  add_link_options(-fsanitize=${PVPD_SANITIZE})
  add_compile_definitions(PVPD_SANITIZED=1)
  if(PVPD_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 warns that TSan does not model std::atomic_thread_fence, which Boost.Asio's
    # fenced blocks use; the scheduler's own mutexes carry the synchronization TSan checks.
    add_compile_options(-Wno-tsan)
  endif()
  if(PVPD_SANITIZE MATCHES "undefined")
    # RapidJSON 1.1 (Debian) computes `nullptr + n` in internal/stack.h on every first push
    # (fixed upstream after 1.1): the pointer-overflow check would fire on any JSON parse or
    # write. It is the only UBSan check disabled.
    add_compile_options(-fno-sanitize=pointer-overflow)
    add_link_options(-fno-sanitize=pointer-overflow)
  endif()
endif()

# PVPD_FUZZ: coverage instrumentation for libFuzzer everywhere (clang only); the fuzz targets
# themselves link -fsanitize=fuzzer (tests/fuzz).
if(PVPD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PVPD_FUZZ=ON needs clang (CC=clang CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
