// pvpctl: offline tool for pvpd session journals (docs/journal.md "pvpctl") and live commands
// against a running server (live_commands.h, docs/clients/pvpctl.md).
//
// Journal commands read <state_dir>/journal directly and never write to it. The control plane:
// errors are exceptions mapped to exit codes here (0 ok, 1 failure, 64 usage; live commands add
// 69 for "cannot connect").
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "journal/recovery.h"
#ifdef PVPCTL_HAVE_GIT
#include "git_commands.h"
#endif
#include "live_commands.h"
#include "report/markdown_report.h"
#include "report/session_summary.h"

namespace fs = std::filesystem;
using pvpd::journal::Record;
using pvpd::journal::ScanOptions;
using pvpd::journal::ScanResult;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 64;

constexpr const char *kUsage =
    "usage: pvpctl [--state-dir DIR | -c PVPD_YAML] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  sessions                                  list sessions (state, messages, participants)\n"
    "  show SESSION                              one session's summary\n"
    "  replay SESSION [--from SEQ] [--json] [--follow]\n"
    "                                            print messages (--json: one message per line;\n"
    "                                            --follow: keep printing new ones until Ctrl-C)\n"
    "  export SESSION --format jsonl|markdown    export messages or a markdown decision report\n"
    "  verify SESSION | --all                    recompute hash chains (exit 1 on the first bad "
    "record)\n"
    "\n"
    "live commands (a running server; --url ws://HOST:PORT, default $PVP_URL or\n"
    "ws://127.0.0.1:3000, or --socket PATH for pvpd's local admin socket (a websocket\n"
    "listener unix:PATH; same as --url ws+unix://PATH); --token T or $PVP_TOKEN;\n"
    "--as ID, default pvpctl-$USER):\n"
    "  watch SESSION [--json] [--count N]        stream the session's messages (history first)\n"
    "  send SESSION TYPE PAYLOAD_JSON            send one frame of any type\n"
    "  prompt SESSION TEXT --to AGENT            submit a prompt to an agent\n"
    "  approve SESSION GATE [--comment TEXT]     approve a gate (GATE: the tool.propose id)\n"
    "  reject SESSION GATE [--reason TEXT]       reject a gate\n"
    "  gates SESSION [--json]                    list the open gates\n"
    "  agent attach SESSION INSTANCE             ask an agent plugin instance to join (admin)\n"
    "  (also --role ROLE, --timeout SECONDS (default 10), --insecure for wss)\n"
    "\n"
    "git commands (the git bridge; 'pvpctl git --help'; 'git' must be the first argument):\n"
    "  git install-hooks|uninstall-hooks [REPO]  the bridge's hooks in any repository\n"
    "  git log [REPO] [--session ID] [--state-dir DIR]\n"
    "                                            commits with their PVP trailers, note and\n"
    "                                            journal anchor verdict\n"
    "\n"
    "The journal directory is <state_dir>/journal; -c reads daemon.state_dir from a pvpd config\n"
    "file (relative paths resolve against the file's directory).\n"
    "exit codes: 0 ok, 1 failure (for live commands: the server refused or did not answer),\n"
    "64 usage, 69 cannot connect\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::optional<std::string> state_dir, config;
  std::string command;
  std::vector<std::string> positional;
  std::optional<uint64_t> from;
  bool json = false, follow = false, all = false;
  std::optional<std::string> format;
  // Live commands (live_commands.h).
  std::optional<std::string> url, token, as, to, comment, reason, role;
  std::optional<std::string> socket;  // --socket PATH = --url ws+unix://ABSOLUTE_PATH
  std::optional<uint64_t> count;
  std::optional<unsigned> timeout;
  bool insecure = false;
};

uint64_t parse_seq(const std::string &s, const char *flag = "--from") {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) {
    throw UsageError(std::string(flag) + " needs a non-negative integer, got '" + s + "'");
  }
  return std::stoull(s);
}

Args parse_args(int argc, char **argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto value = [&](size_t &i, const std::string &flag) {
    if (i + 1 >= args.size()) {
      throw UsageError(flag + " needs a value");
    }
    return args[++i];
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "--state-dir") {
      a.state_dir = value(i, arg);
    } else if (arg.rfind("--state-dir=", 0) == 0) {
      a.state_dir = arg.substr(12);
    } else if (arg == "-c" || arg == "--config") {
      a.config = value(i, arg);
    } else if (arg == "--from") {
      a.from = parse_seq(value(i, arg));
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--follow" || arg == "-f") {
      a.follow = true;
    } else if (arg == "--all") {
      a.all = true;
    } else if (arg == "--format") {
      a.format = value(i, arg);
    } else if (arg.rfind("--format=", 0) == 0) {
      a.format = arg.substr(9);
    } else if (arg == "--url" || arg == "--server") {
      a.url = value(i, arg);
    } else if (arg == "--socket") {
      a.socket = value(i, arg);
    } else if (arg == "--token") {
      a.token = value(i, arg);
    } else if (arg == "--as") {
      a.as = value(i, arg);
    } else if (arg == "--to") {
      a.to = value(i, arg);
    } else if (arg == "--comment") {
      a.comment = value(i, arg);
    } else if (arg == "--reason") {
      a.reason = value(i, arg);
    } else if (arg == "--role") {
      a.role = value(i, arg);
    } else if (arg == "--count") {
      a.count = parse_seq(value(i, arg), "--count");
    } else if (arg == "--timeout") {
      const uint64_t t = parse_seq(value(i, arg), "--timeout");
      if (t == 0 || t > 3600) {
        throw UsageError("--timeout takes 1..3600 seconds");
      }
      a.timeout = static_cast<unsigned>(t);
    } else if (arg == "--insecure") {
      a.insecure = true;
    } else if (arg == "-h" || arg == "--help") {
      a.command = "help";
      return a;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      throw UsageError("unknown option '" + arg + "'");
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.positional.push_back(arg);
    }
  }
  // Each command accepts only its own flags.
  const std::string &c = a.command;
  auto reject = [&](bool present, const char *flag) {
    if (present) {
      throw UsageError(std::string(flag) + " is not valid for '" + c + "'");
    }
  };
  auto want_positional = [&](size_t n) {
    if (a.positional.size() != n) {
      throw UsageError("'" + c + "' takes " + (n == 0 ? std::string("no arguments") : "SESSION"));
    }
  };
  if (c.empty()) {
    throw UsageError("no command given");
  } else if (c == "sessions") {
    want_positional(0);
  } else if (c == "show") {
    want_positional(1);
  } else if (c == "replay") {
    want_positional(1);
  } else if (c == "export") {
    want_positional(1);
    if (!a.format || (*a.format != "jsonl" && *a.format != "markdown")) {
      throw UsageError("export needs --format jsonl|markdown");
    }
  } else if (c == "verify") {
    if (a.all == !a.positional.empty() || a.positional.size() > 1) {
      throw UsageError("verify takes SESSION or --all");
    }
  } else if (c == "watch" || c == "gates") {
    want_positional(1);
  } else if (c == "send") {
    if (a.positional.size() != 3) {
      throw UsageError("'send' takes SESSION TYPE PAYLOAD_JSON");
    }
  } else if (c == "prompt") {
    if (a.positional.size() != 2 || !a.to) {
      throw UsageError("'prompt' takes SESSION TEXT --to AGENT");
    }
  } else if (c == "approve" || c == "reject") {
    if (a.positional.size() != 2) {
      throw UsageError("'" + c + "' takes SESSION GATE");
    }
  } else if (c == "agent") {
    if (a.positional.size() != 3 || a.positional[0] != "attach") {
      throw UsageError("'agent' takes attach SESSION INSTANCE");
    }
  } else {
    throw UsageError("unknown command '" + c + "'");
  }
  const bool live = pvpctl::is_live_command(c);
  reject((a.from || a.follow) && c != "replay", "--from/--follow");
  reject(a.json && c != "replay" && !live, "--json");
  reject(!live && (a.url || a.socket || a.token || a.as || a.role || a.timeout || a.insecure),
         "--url/--socket/--token/--as/--role/--timeout/--insecure");
  if (a.url && a.socket) {
    throw UsageError("give --url or --socket, not both");
  }
  if (a.socket && a.socket->empty()) {
    throw UsageError("--socket needs a path");
  }
  reject(live && (a.state_dir || a.config), "--state-dir/-c");
  reject(a.to.has_value() && c != "prompt", "--to");
  reject(a.comment.has_value() && c != "approve", "--comment");
  reject(a.reason.has_value() && c != "reject", "--reason");
  reject(a.count.has_value() && c != "watch", "--count");
  reject(a.format.has_value() && c != "export", "--format");
  reject(a.all && c != "verify", "--all");
  return a;
}

fs::path state_dir_of(const Args &a) {
  if (a.state_dir && a.config) {
    throw UsageError("give --state-dir or -c, not both");
  }
  if (a.state_dir) {
    return *a.state_dir;
  }
  if (!a.config) {
    throw UsageError("where is the state? give --state-dir DIR or -c pvpd.yaml");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(*a.config);
  } catch (const YAML::Exception &e) {
    throw Failure("cannot read " + *a.config + ": " + e.what());
  }
  const YAML::Node dir = root["daemon"] ? root["daemon"]["state_dir"] : YAML::Node();
  if (!dir || !dir.IsScalar()) {
    throw Failure(*a.config + ": no daemon.state_dir; use --state-dir");
  }
  const std::string value = dir.as<std::string>();
  if (value.find("${") != std::string::npos) {
    throw Failure(*a.config + ": daemon.state_dir uses ${...} expansion; use --state-dir");
  }
  fs::path p(value);
  return p.is_absolute() ? p : fs::path(*a.config).parent_path() / p;
}

struct Journal {
  fs::path path;
  bool ended = false;
};

fs::path journal_dir(const Args &a) {
  const fs::path dir = state_dir_of(a) / "journal";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Failure("no journal directory at " + dir.string());
  }
  return dir;
}

bool is_ended(const fs::path &journal) {
  fs::path marker = journal;
  marker.replace_extension(std::string(pvpd::journal::kEndedSuffix));
  std::error_code ec;
  return fs::exists(marker, ec);
}

std::vector<Journal> all_journals(const fs::path &dir) {
  std::vector<Journal> out;
  for (const auto &e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 8 && name.ends_with(pvpd::journal::kJournalSuffix)) {
      out.push_back(Journal{e.path(), is_ended(e.path())});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Journal &x, const Journal &y) { return x.path < y.path; });
  return out;
}

Journal find_session(const fs::path &dir, const std::string &session) {
  const fs::path p = dir / (pvpd::journal::session_file_stem(session) +
                            std::string(pvpd::journal::kJournalSuffix));
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    return Journal{p, is_ended(p)};
  }
  throw Failure("no journal for session '" + session + "' in " + dir.string() +
                " (see 'pvpctl sessions')");
}

// Full scan; a corrupt journal is an error for every command but verify (which reports it).
ScanResult load(const Journal &j, uint64_t from = 0) {
  ScanResult scan = pvpd::journal::scan_journal(j.path, ScanOptions{true, from, std::nullopt});
  if (!scan.status) {
    throw Failure(j.path.string() + ": " + scan.status.message() +
                  "\n(run 'pvpctl verify' for details; the journal is not trusted)");
  }
  if (scan.torn_tail) {
    std::cerr << "pvpctl: warning: " << scan.torn_note << " (pvpd truncates it on start)\n";
  }
  return scan;
}

std::string short_hash(const std::string &h) {
  return h.substr(0, 16);
}

int cmd_sessions(const Args &a) {
  const fs::path dir = journal_dir(a);
  std::printf("%-40s %-8s %8s %12s  %s\n", "SESSION", "STATE", "MESSAGES", "PARTICIPANTS",
              "LAST TS");
  for (const Journal &j : all_journals(dir)) {
    ScanResult scan = pvpd::journal::scan_journal(j.path, ScanOptions{true, 0, std::nullopt});
    const std::string id = scan.session.empty() ? j.path.filename().string() : scan.session;
    if (!scan.status) {
      std::printf("%-40s %-8s %8s %12s  %s\n", pvpd::report::one_line(id, 40).c_str(), "CORRUPT",
                  "-", "-", "(pvpctl verify)");
      continue;
    }
    const pvpd::report::SessionStats st = pvpd::report::stats_of(scan.records);
    std::printf("%-40s %-8s %8llu %12zu  %s\n", pvpd::report::one_line(id, 40).c_str(),
                j.ended ? "ended" : "open", static_cast<unsigned long long>(st.messages),
                st.senders.size(), st.last_ts.empty() ? "-" : st.last_ts.c_str());
  }
  return kExitOk;
}

int cmd_show(const Args &a) {
  const Journal j = find_session(journal_dir(a), a.positional[0]);
  const ScanResult scan = load(j);
  const pvpd::report::SessionStats st = pvpd::report::stats_of(scan.records);
  std::cout << "session:      " << scan.session << "\n"
            << "journal:      " << j.path.string() << "\n"
            << "state:        " << (j.ended ? "ended" : "open") << "\n"
            << "chain:        ok (" << scan.record_count << " records"
            << (scan.torn_tail ? ", torn last record" : "") << ")\n"
            << "last hash:    " << scan.last_hash << "\n";
  if (st.messages > 0) {
    std::cout << "seq:          " << st.first_seq << ".." << st.last_seq << "\n"
              << "first ts:     " << st.first_ts << "\n"
              << "last ts:      " << st.last_ts << "\n";
  }
  std::cout << "participants: " << st.senders.size() << "\n";
  for (const auto &[sender, n] : st.senders) {
    std::cout << "  " << pvpd::report::one_line(sender, 80) << " (" << n << " messages)\n";
  }
  std::cout << "types:\n";
  for (const auto &[type, n] : st.types) {
    std::cout << "  " << pvpd::report::one_line(type, 64) << " " << n << "\n";
  }
  return kExitOk;
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted = true;
}

void print_record(const Record &r, bool json) {
  if (json) {
    std::cout << r.message << "\n";
    return;
  }
  const pvpd::report::Message m = pvpd::report::parse_message(r);
  std::cout << "#" << r.seq << "  " << (m.ts.empty() ? "-" : m.ts) << "  "
            << pvpd::report::one_line(m.sender.empty() ? "-" : m.sender, 40) << "  "
            << pvpd::report::one_line(m.type.empty() ? "?" : m.type, 40) << "  "
            << pvpd::report::summarize(m) << "\n";
}

int cmd_replay(const Args &a) {
  const Journal j = find_session(journal_dir(a), a.positional[0]);
  const uint64_t from = a.from.value_or(0);
  ScanResult scan = load(j, from);
  for (const Record &r : scan.records) {
    print_record(r, a.json);
  }
  std::cout.flush();
  if (!a.follow) {
    return kExitOk;
  }
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  uint64_t next = scan.record_count > 0 ? std::max(from, scan.last_seq + 1) : from;
  while (!g_interrupted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // A record being written shows up as a torn tail: it is simply not printed yet.
    ScanResult more = pvpd::journal::scan_journal(j.path, ScanOptions{true, next, std::nullopt});
    if (!more.status) {
      throw Failure(j.path.string() + ": " + more.status.message());
    }
    for (const Record &r : more.records) {
      print_record(r, a.json);
      next = r.seq + 1;
    }
    std::cout.flush();
  }
  return kExitOk;
}

int cmd_export(const Args &a) {
  const Journal j = find_session(journal_dir(a), a.positional[0]);
  const ScanResult scan = load(j);
  if (*a.format == "jsonl") {
    for (const Record &r : scan.records) {
      std::cout << r.message << "\n";
    }
    return kExitOk;
  }
  pvpd::report::ReportInput in;
  in.session = scan.session;
  in.journal_path = j.path.string();
  in.ended = j.ended;
  in.chain_status = "hash chain verified: " + std::to_string(scan.record_count) +
                    " records, last hash " + short_hash(scan.last_hash) + "\xe2\x80\xa6";
  std::cout << pvpd::report::markdown_report(in, scan.records);
  return kExitOk;
}

bool verify_one(const fs::path &path) {
  const pvpd::journal::VerifyReport rep = pvpd::journal::verify_journal(path);
  const std::string id = rep.session.empty() ? path.filename().string() : rep.session;
  if (!rep.ok) {
    std::cout << "FAIL  " << id << "  " << path.string() << "\n"
              << "      first bad record: "
              << (rep.first_bad_seq ? "seq " + std::to_string(*rep.first_bad_seq) : "(unknown seq)")
              << "\n      problem: " << rep.problem << "\n"
              << "      " << rep.records << " good records before it\n";
    return false;
  }
  std::cout << "OK    " << id << "  " << rep.records << " records\n";
  if (rep.torn_tail) {
    std::cout << "      warning: " << rep.note
              << " (a crash mid-write; pvpd truncates it on start)\n";
  }
  return true;
}

int cmd_verify(const Args &a) {
  const fs::path dir = journal_dir(a);
  if (!a.all) {
    return verify_one(find_session(dir, a.positional[0]).path) ? kExitOk : kExitFailure;
  }
  const auto journals = all_journals(dir);
  size_t bad = 0;
  for (const Journal &j : journals) {
    if (!verify_one(j.path)) {
      ++bad;
    }
  }
  std::cout << journals.size() << " journals, " << bad << " failed\n";
  return bad == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int main(int argc, char **argv) {
#ifdef PVPCTL_HAVE_GIT
  if (argc >= 2 && std::string(argv[1]) == "git") {
    return pvpctl::run_git(std::vector<std::string>(argv + 2, argv + argc));
  }
#endif
  try {
    const Args a = parse_args(argc, argv);
    if (a.command == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (pvpctl::is_live_command(a.command)) {
      pvpctl::LiveArgs l;
      l.command = a.command;
      l.positional = a.positional;
      const char *env_url = std::getenv("PVP_URL");
      const char *env_token = std::getenv("PVP_TOKEN");
      l.url = a.url.value_or(env_url != nullptr ? env_url : "ws://127.0.0.1:3000");
      if (a.socket) {
        // The URL needs an absolute path; a relative --socket is taken from the current directory.
        l.url = "ws+unix://" + fs::absolute(*a.socket).lexically_normal().string();
      }
      l.token = a.token.value_or(env_token != nullptr ? env_token : "");
      l.as = a.as.value_or("");
      l.to = a.to.value_or("");
      l.comment = a.comment.value_or("");
      l.reason = a.reason.value_or("");
      l.role = a.role;
      l.json = a.json;
      l.insecure = a.insecure;
      l.count = a.count;
      l.timeout_seconds = a.timeout.value_or(10);
      return pvpctl::run_live(l);
    }
    if (a.command == "sessions")
      return cmd_sessions(a);
    if (a.command == "show")
      return cmd_show(a);
    if (a.command == "replay")
      return cmd_replay(a);
    if (a.command == "export")
      return cmd_export(a);
    return cmd_verify(a);
  } catch (const UsageError &e) {
    std::cerr << "pvpctl: " << e.what() << "\n\n" << kUsage;
    return kExitUsage;
  } catch (const std::exception &e) {
    std::cerr << "pvpctl: error: " << e.what() << "\n";
    return kExitFailure;
  }
}
