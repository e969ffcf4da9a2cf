# Warning flags for first-party code. Third-party headers come in as SYSTEM includes.
add_library(pvpd_warnings INTERFACE)
target_compile_options(pvpd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
if(PVPD_WERROR)
  target_compile_options(pvpd_warnings INTERFACE -Werror)
endif()
