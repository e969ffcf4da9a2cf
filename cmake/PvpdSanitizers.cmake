# PVPD_SANITIZE="address,undefined" or "thread": applied to everything built in this tree,
# plugins included, so a plugin loaded into a sanitized daemon is sanitized too.
if(PVPD_SANITIZE)
  set(_pvpd_san_flags -fsanitize=${PVPD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${_pvpd_san_flags})
  add_link_options(-fsanitize=${PVPD_SANITIZE})
  add_compile_definitions(PVPD_SANITIZED=1)
endif()
