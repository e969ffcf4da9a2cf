// pvp-tui command line (see tui_options.h).
#include "tui_options.h"

#include <cstdlib>
#include <random>

namespace pvp_tui {

const char *const kUsage =
    "usage: pvp-tui [--url ws://HOST:PORT] [--session ID] --name NAME [--role ROLE]\n"
    "               [--token T] [--id ID] [--capabilities a,b] [--session-name TEXT]\n"
    "               [--bridge URL|off] [--insecure] [--ca FILE]\n"
    "\n"
    "  --url, --server URL   PVP server (ws:// or wss://; default ws://127.0.0.1:3000)\n"
    "  --session ID          session to join; without it a new session is created and its id\n"
    "                        printed so others can join\n"
    "  --name NAME           your display name (default $USER)\n"
    "  --role ROLE           driver (default), navigator, adversary, observer, approver, admin\n"
    "  --id ID               participant id (default: NAME plus a random suffix)\n"
    "  --capabilities LIST   default prompt,approve,interrupt,add_context ('' for none)\n"
    "  --token T             bearer token (or $PVP_TOKEN); never shown or logged\n"
    "  --session-name TEXT   name for a session this client creates\n"
    "  --bridge URL|off      git bridge API for the decision line (http://HOST:PORT;\n"
    "                        default: the server's /bridge/, then 127.0.0.1:9847)\n"
    "  --insecure            wss: accept self-signed certificates\n"
    "  --ca FILE             wss: CA bundle to trust\n"
    "  --help, --version\n"
    "\n"
    "Keys: p compose (Enter = newline, Ctrl+D or Alt+Enter = send, Esc = cancel, Tab = target),\n"
    "a/r/v approve/reject/view the pending gate, i interrupt, t thinking panel, / search,\n"
    "PgUp/PgDn scroll, ? help, Ctrl+C quit. Details: docs/clients/pvp-tui.md\n";

namespace {

std::vector<std::string> split_csv(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      out.push_back(item);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::string id_from_name(const std::string &name) {
  std::string base;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (c >= 'A' && c <= 'Z') {
      base += static_cast<char>(c - 'A' + 'a');
    } else if (ok) {
      base += c;
    } else if (!base.empty() && base.back() != '-') {
      base += '-';
    }
  }
  if (base.empty()) {
    base = "user";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::mt19937 rng{std::random_device{}()};
  base += '-';
  for (int i = 0; i < 6; ++i) {
    base += kHex[rng() & 15];
  }
  return base.substr(0, 100);
}

}  // namespace

TuiOptions parse_options(const std::vector<std::string> &args, const std::string &env_token) {
  TuiOptions o;
  auto value = [&](size_t &i, const std::string &flag) -> std::string {
    if (i + 1 >= args.size()) {
      throw UsageError(flag + " needs a value");
    }
    return args[++i];
  };
  bool caps_given = false;
  static const std::vector<std::string> kRoles = {"driver",   "navigator", "adversary",
                                                  "observer", "approver",  "admin"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string inline_value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    auto v = [&]() { return has_inline ? inline_value : value(i, arg); };
    if (arg == "--url" || arg == "--server" || arg == "-u" || arg == "-s") {
      o.url = v();
    } else if (arg == "--session") {
      o.session = v();
    } else if (arg == "--session-name") {
      o.session_name = v();
    } else if (arg == "--name" || arg == "-n") {
      o.name = v();
    } else if (arg == "--id") {
      o.id = v();
    } else if (arg == "--role" || arg == "-r") {
      o.role = v();
    } else if (arg == "--capabilities") {
      o.capabilities = split_csv(v());
      caps_given = true;
    } else if (arg == "--token") {
      o.token = v();
    } else if (arg == "--bridge") {
      o.bridge = v();
      if (o.bridge != "off" && o.bridge.rfind("http://", 0) != 0) {
        throw UsageError("--bridge takes http://HOST:PORT or off");
      }
    } else if (arg == "--ca") {
      o.ca_file = v();
    } else if (arg == "--insecure") {
      o.insecure = true;
    } else if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--version" || arg == "-V") {
      o.version = true;
    } else {
      throw UsageError("unknown argument '" + args[i] + "'");
    }
  }
  if (o.help || o.version) {
    return o;
  }
  bool role_ok = false;
  for (const auto &r : kRoles) {
    role_ok = role_ok || r == o.role;
  }
  if (!role_ok) {
    throw UsageError("unknown role '" + o.role +
                     "' (driver, navigator, adversary, observer, approver, admin)");
  }
  if (o.name.empty()) {
    const char *user = std::getenv("USER");
    o.name = user != nullptr && *user != '\0' ? user : "Human";
  }
  if (o.id.empty()) {
    o.id = id_from_name(o.name);
  }
  if (o.id.size() > 128 || o.session.size() > 128) {
    throw UsageError("--id and --session are at most 128 bytes");
  }
  if (o.token.empty()) {
    o.token = env_token;
  }
  if (o.role == "observer" && !caps_given) {
    o.capabilities.clear();  // observers are read-only unless capabilities are given
  }
  return o;
}

}  // namespace pvp_tui
