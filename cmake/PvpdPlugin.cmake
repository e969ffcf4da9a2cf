# In-tree helper: pvpd_add_first_party_plugin(<name> SOURCES ... [LIBS ...])
# builds build/lib/pvpd/plugins/pvpd-<name>.so with the same rules the installed
# pvpd_add_plugin() applies to third-party plugins (plugin-api/cmake/pvpd-pluginConfig.cmake.in):
# hidden visibility, -z defs, --exclude-libs,ALL, exactly one exported symbol.
function(pvpd_plugin_link_rules target)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # -z defs proves the plugin is fully linked (host services come as a table, not symbols).
  # Sanitizer runtimes are provided by the host executable, so skip -z defs there.
  if(NOT PVPD_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,-z,defs)
  endif()
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL)
  # -fvisibility=hidden cannot hide statics inside libstdc++ templates (they would bind
  # process-wide across RTLD_LOCAL plugins); the version script exports the entry symbol only.
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/plugin-api/cmake/pvpd-plugin.map)
endfunction()

function(pvpd_add_first_party_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  set(target pvpd-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  pvpd_plugin_link_rules(${target})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${PVPD_PLUGIN_OUTPUT_DIR})
  endif()
  set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  target_link_libraries(${target} PRIVATE pvpd::plugin_api pvpd_warnings ${ARG_LIBS})
endfunction()
