# Installs what a third party needs to build a pvpd plugin out of tree (component plugin-dev):
#   include/pvpd/plugin_abi.h, include/pvpd/plugin.hpp
#   <libdir>/cmake/pvpd-plugin/  pvpd-pluginConfig.cmake (+ Version, Targets, pvpd-plugin.map)
#   <libdir>/pkgconfig/pvpd-plugin.pc
# The package version is the ABI version (major.minor) read from plugin_abi.h, and the version
# file uses SameMajorVersion: find_package(pvpd-plugin 1) accepts any 1.x, never 2.x.
# Included by plugin-api/CMakeLists.txt.
include(CMakePackageConfigHelpers)

file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/include/pvpd/plugin_abi.h _pvpd_abi_defs
     REGEX "^#define PVPD_ABI_(MAJOR|MINOR) [0-9]+$")
string(REGEX REPLACE ".*PVPD_ABI_MAJOR ([0-9]+).*" "\\1" PVPD_ABI_MAJOR "${_pvpd_abi_defs}")
string(REGEX REPLACE ".*PVPD_ABI_MINOR ([0-9]+).*" "\\1" PVPD_ABI_MINOR "${_pvpd_abi_defs}")
if(NOT PVPD_ABI_MAJOR MATCHES "^[0-9]+$" OR NOT PVPD_ABI_MINOR MATCHES "^[0-9]+$")
  message(FATAL_ERROR "could not read PVPD_ABI_MAJOR/MINOR from plugin_abi.h")
endif()
set(PVPD_PLUGIN_PACKAGE_VERSION ${PVPD_ABI_MAJOR}.${PVPD_ABI_MINOR})

set(_pvpd_pkg_dir ${CMAKE_INSTALL_LIBDIR}/cmake/pvpd-plugin)
set(_pvpd_component plugin-dev)

install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/include/pvpd/plugin_abi.h
              ${CMAKE_CURRENT_SOURCE_DIR}/include/pvpd/plugin.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pvpd COMPONENT ${_pvpd_component})

set_target_properties(pvpd_plugin_api PROPERTIES EXPORT_NAME plugin_api)
install(TARGETS pvpd_plugin_api EXPORT pvpd-plugin-targets COMPONENT ${_pvpd_component})
install(EXPORT pvpd-plugin-targets NAMESPACE pvpd:: FILE pvpd-pluginTargets.cmake
        DESTINATION ${_pvpd_pkg_dir} COMPONENT ${_pvpd_component})

# PVPD_PLUGIN_INSTALL_DIR (set by the top-level CMakeLists.txt, relative to the prefix) becomes
# an absolute path inside the installed package, relocated with the package.
set(PVPD_PLUGIN_INSTALL_DIR_FOR_PACKAGE ${PVPD_PLUGIN_INSTALL_DIR})
configure_package_config_file(
  ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pvpd-pluginConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pvpd-pluginConfig.cmake
  INSTALL_DESTINATION ${_pvpd_pkg_dir}
  PATH_VARS PVPD_PLUGIN_INSTALL_DIR_FOR_PACKAGE)
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/pvpd-pluginConfigVersion.cmake
  VERSION ${PVPD_PLUGIN_PACKAGE_VERSION}
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pvpd-pluginConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/pvpd-pluginConfigVersion.cmake
              ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pvpd-plugin.map
        DESTINATION ${_pvpd_pkg_dir} COMPONENT ${_pvpd_component})

# pkg-config: relocatable through ${pcfiledir}, so a staged install works too.
file(RELATIVE_PATH PVPD_PC_PREFIX_FROM_PCFILEDIR
     /__prefix__/${CMAKE_INSTALL_LIBDIR}/pkgconfig /__prefix__)
string(REGEX REPLACE "/$" "" PVPD_PC_PREFIX_FROM_PCFILEDIR "${PVPD_PC_PREFIX_FROM_PCFILEDIR}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/pvpd-plugin.pc.in
               ${CMAKE_CURRENT_BINARY_DIR}/pvpd-plugin.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pvpd-plugin.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT ${_pvpd_component})
