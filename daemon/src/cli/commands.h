// The one-shot commands of pvpd's command line: --check-config, --dump-config,
// --list-plugins, --describe-plugin and --version. Each prints to the given streams and
// returns an exit code; none binds a socket or starts a plugin instance (descriptors are
// read, which is side-effect free by ABI contract).
#pragma once

#include <iosfwd>

#include "cli/options.h"

namespace pvpd::cli {

int check_config(const Options &o, std::ostream &out, std::ostream &err);
int dump_config(const Options &o, std::ostream &out, std::ostream &err);
int list_plugins(const Options &o, std::ostream &out, std::ostream &err);
int describe_plugin(const Options &o, std::ostream &out, std::ostream &err);
void print_version(std::ostream &out);

}  // namespace pvpd::cli
