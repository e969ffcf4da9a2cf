// Command line of pvp-tui (docs/clients/pvp-tui.md "Options").
// THREAD/OWNERSHIP: plain values; parse errors are exceptions (control plane).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pvp_tui {

struct TuiOptions {
  std::string url = "ws://127.0.0.1:3000";
  std::string session;  // empty: create a new session
  std::string session_name;
  std::string name;
  std::string id;  // participant id; default: name-based plus a random suffix
  std::string role = "driver";
  std::vector<std::string> capabilities = {"prompt", "approve", "interrupt", "add_context"};
  std::string token;
  bool insecure = false;
  std::string ca_file;
  std::string bridge;  // http://HOST:PORT of the git bridge API, "off", or "" (auto)
  bool help = false;
  bool version = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// argv without argv[0]; PVP_TOKEN from `env_token` when --token is absent.
TuiOptions parse_options(const std::vector<std::string> &args, const std::string &env_token = "");
extern const char *const kUsage;

}  // namespace pvp_tui
