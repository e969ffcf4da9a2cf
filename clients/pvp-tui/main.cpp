// pvp-tui: terminal client for PVP sessions (docs/clients/pvp-tui.md).
// Exit codes: 0 ok, 1 failure, 64 usage.
#include <langinfo.h>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "app.h"
#include "tui_options.h"

int main(int argc, char **argv) {
  // Wide characters need a UTF-8 LC_CTYPE; fall back to C.UTF-8 when the environment has none.
  std::setlocale(LC_ALL, "");
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
    std::setlocale(LC_CTYPE, "C.UTF-8");
  }
  pvp_tui::TuiOptions opts;
  try {
    const char *env_token = std::getenv("PVP_TOKEN");
    opts = pvp_tui::parse_options(std::vector<std::string>(argv + 1, argv + argc),
                                  env_token != nullptr ? env_token : "");
  } catch (const pvp_tui::UsageError &e) {
    std::fprintf(stderr, "pvp-tui: %s\n\n%s", e.what(), pvp_tui::kUsage);
    return 64;
  }
  if (opts.help) {
    std::fputs(pvp_tui::kUsage, stdout);
    return 0;
  }
  if (opts.version) {
    std::printf("pvp-tui %s (PVP protocol v1)\n", PVP_TUI_VERSION);
    return 0;
  }
  try {
    pvp_tui::App app(opts);
    return app.run();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pvp-tui: error: %s\n", e.what());
    return 1;
  }
}
