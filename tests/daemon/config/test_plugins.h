// Static plugin descriptors for config tests, so no .so has to be built or loaded.
//
//   testplug  every option type, nested maps, a list of maps, secrets, and a validate() hook
//   single    one instance only, NULL vtable
//   tiny      a descriptor too small to carry an option table (an older/broken plugin)
//   oldvt     a vtable whose struct_size ends before `validate` (validate must not be called)
//   failing   validate() returns an error without reporting details
//
// THREAD: the descriptors are immutable; TestPlugins counts calls and is single-threaded.
#pragma once

#include <pvpd/plugin_abi.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "config/env_expand.h"

namespace pvpd::config::testing {

class TestPlugins : public PluginSchemaSource {
 public:
  const pvpd_plugin_descriptor_v1 *find(const std::string &use, const std::string &explicit_path,
                                        const std::vector<std::string> &plugin_dirs,
                                        std::string *error) override;
  int find_calls = 0;
};

// A fixed environment for fixtures: PVPD_TEST_HOST=example.org, PVPD_TEST_PORT=9000,
// PVPD_TEST_EMPTY="" and nothing else.
EnvLookup fixture_env();

// Whether oldvt's validate was (wrongly) called.
bool oldvt_validate_called();

}  // namespace pvpd::config::testing
