// pvpctl git install-hooks | uninstall-hooks | log (see git_commands.h).
#include "git_commands.h"

#include <git2.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "commit_metadata.h"
#include "journal/record_format.h"
#include "journal/recovery.h"
#include "repo.h"

namespace pvpctl {
namespace {

namespace fs = std::filesystem;
namespace gb = pvpd::git_bridge;

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 64;
constexpr const char *kDefaultBridgeUrl = "http://127.0.0.1:9847";
constexpr const char *kNotesRef = "refs/notes/pvp";

constexpr const char *kGitUsage =
    "usage: pvpctl git install-hooks [REPO] [--force] [--url URL]\n"
    "       pvpctl git uninstall-hooks [REPO]\n"
    "       pvpctl git log [REPO] [--session ID] [-n N] [--json] [--state-dir DIR | -c "
    "PVPD_YAML]\n"
    "REPO defaults to the repository containing the current directory.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GitArgs {
  std::string sub;
  std::optional<std::string> repo, url, session, state_dir, config;
  bool force = false, json = false;
  uint64_t limit = 20;
};

GitArgs parse(const std::vector<std::string> &args) {
  GitArgs a;
  auto value = [&](size_t &i) {
    if (i + 1 >= args.size()) {
      throw UsageError(args[i] + " needs a value");
    }
    return args[++i];
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "--force") {
      a.force = true;
    } else if (arg == "--url") {
      a.url = value(i);
    } else if (arg == "--session") {
      a.session = value(i);
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--state-dir") {
      a.state_dir = value(i);
    } else if (arg == "-c" || arg == "--config") {
      a.config = value(i);
    } else if (arg == "-n") {
      std::string n = value(i);
      if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoull(n) == 0) {
        throw UsageError("-n takes a positive number");
      }
      a.limit = std::stoull(n);
    } else if (arg == "-h" || arg == "--help") {
      a.sub = "help";
      return a;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else if (a.sub.empty()) {
      a.sub = arg;
    } else if (!a.repo) {
      a.repo = arg;
    } else {
      throw UsageError("unexpected argument '" + arg + "'");
    }
  }
  auto reject = [&](bool present, const char *flag) {
    if (present) {
      throw UsageError(std::string(flag) + " is not valid for 'git " + a.sub + "'");
    }
  };
  if (a.sub == "install-hooks") {
    reject(a.session || a.state_dir || a.config || a.json || a.limit != 20,
           "--session/--state-dir/-c/--json/-n");
  } else if (a.sub == "uninstall-hooks") {
    reject(a.force || a.url || a.session || a.state_dir || a.config || a.json || a.limit != 20,
           "--force/--url/--session/--state-dir/-c/--json/-n");
  } else if (a.sub == "log") {
    reject(a.force || a.url, "--force/--url");
    if (a.state_dir && a.config) {
      throw UsageError("give --state-dir or -c, not both");
    }
  } else if (a.sub.empty()) {
    throw UsageError("'git' needs a subcommand");
  } else {
    throw UsageError("unknown git subcommand '" + a.sub + "'");
  }
  return a;
}

std::string repository(const GitArgs &a) {
  std::string path = a.repo.value_or(".");
  std::optional<std::string> repo = gb::discover_repository(path);
  if (!repo) {
    throw Failure("not a git repository (or a bare one): " + path);
  }
  return *repo;
}

// The bridge URL the repository names (pvp.bridgeurl, written by the bridge), if any.
std::optional<std::string> configured_url(const std::string &repo) {
  git_repository *r = nullptr;
  if (git_repository_open(&r, repo.c_str()) != 0) {
    return std::nullopt;
  }
  std::optional<std::string> out;
  git_config *cfg = nullptr;
  git_config *snap = nullptr;
  git_buf buf = GIT_BUF_INIT;
  if (git_repository_config(&cfg, r) == 0 && git_config_snapshot(&snap, cfg) == 0 &&
      git_config_get_string_buf(&buf, snap, "pvp.bridgeurl") == 0) {
    out = std::string(buf.ptr, buf.size);
  }
  git_buf_dispose(&buf);
  git_config_free(snap);
  git_config_free(cfg);
  git_repository_free(r);
  return out;
}

int install(const GitArgs &a) {
  const std::string repo = repository(a);
  const char *env = std::getenv("PVP_GIT_BRIDGE_URL");
  std::string url =
      a.url ? *a.url
            : configured_url(repo).value_or(env != nullptr && *env != '\0' ? std::string(env)
                                                                           : kDefaultBridgeUrl);
  if (url.rfind("http://", 0) != 0) {
    throw UsageError("--url must be an http:// URL of the git bridge, got '" + url + "'");
  }
  std::vector<std::string> foreign = gb::foreign_hooks(repo);
  if (!foreign.empty() && !a.force) {
    std::string names;
    for (const std::string &f : foreign) {
      names += (names.empty() ? "" : ", ") + f;
    }
    throw Failure("hooks not written by pvpd exist in " + repo + ": " + names +
                  "; nothing installed (--force moves them aside as <name>.pre-pvpd)");
  }
  gb::HookConfig hc;
  hc.bridge_url = url;
  gb::RepoResult r = gb::install_hooks(repo, hc, a.force);
  if (!r.ok) {
    throw Failure("cannot install the hooks in " + repo + ": " + r.error);
  }
  std::string names;
  for (const auto &[name, script] : gb::hook_scripts(hc)) {
    names += (names.empty() ? "" : ", ") + name;
  }
  std::cout << "installed " << names << " in " << r.value << " (bridge " << url << ")\n";
  for (const std::string &f : foreign) {
    std::cout << "moved the previous " << f << " aside to " << f << ".pre-pvpd\n";
  }
  return kOk;
}

int uninstall(const GitArgs &a) {
  const std::string repo = repository(a);
  gb::RepoResult r = gb::uninstall_hooks(repo);
  if (!r.ok) {
    throw Failure("cannot remove the hooks in " + repo + ": " + r.error);
  }
  std::cout << (r.value.empty() ? "no pvpd hooks in " + repo : "removed " + r.value) << "\n";
  return kOk;
}

fs::path state_dir_of(const GitArgs &a) {
  if (a.state_dir) {
    return *a.state_dir;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(*a.config);
  } catch (const YAML::Exception &e) {
    throw Failure("cannot read " + *a.config + ": " + e.what());
  }
  const YAML::Node dir = root["daemon"] ? root["daemon"]["state_dir"] : YAML::Node();
  if (!dir || !dir.IsScalar() || dir.as<std::string>().find("${") != std::string::npos) {
    throw Failure(*a.config + ": no plain daemon.state_dir; use --state-dir");
  }
  fs::path p(dir.as<std::string>());
  return p.is_absolute() ? p : fs::path(*a.config).parent_path() / p;
}

struct Entry {
  std::string sha, subject;
  std::map<std::string, std::string> trailers;
  bool note = false;
  std::string note_hash;  // the note's journal_hash ("" when none)
  std::string verdict;    // journal anchor: verified | mismatch | ... | "" (no anchor)
};

// Whether `anchor` is the chain hash of record `seq` in the session's (intact) journal.
std::string check_anchor(const fs::path &state_dir, const std::string &session,
                         const gb::JournalAnchor &anchor) {
  fs::path path =
      state_dir / "journal" /
      (pvpd::journal::session_file_stem(session) + std::string(pvpd::journal::kJournalSuffix));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    fs::path archived = state_dir / "journal" / "archive" / path.filename();
    if (!fs::is_regular_file(archived, ec)) {
      return "no journal";
    }
    path = archived;
  }
  pvpd::journal::ScanOptions opts;
  opts.collect = true;
  opts.from_seq = anchor.seq;
  pvpd::journal::ScanResult scan = pvpd::journal::scan_journal(path, opts);
  if (!scan.status.is_ok()) {
    return "journal broken (" + scan.status.message() + ")";
  }
  if (scan.records.empty() || scan.records.front().seq != anchor.seq) {
    return "mismatch (no record " + std::to_string(anchor.seq) + ")";
  }
  return scan.records.front().hash_hex == anchor.hash ? "verified" : "mismatch";
}

std::vector<Entry> walk(const std::string &repo, const GitArgs &a) {
  git_repository *raw = nullptr;
  if (git_repository_open(&raw, repo.c_str()) != 0) {
    throw Failure("cannot open " + repo);
  }
  std::unique_ptr<git_repository, void (*)(git_repository *)> r(raw, git_repository_free);
  git_revwalk *walk_raw = nullptr;
  if (git_revwalk_new(&walk_raw, raw) != 0) {
    throw Failure("cannot walk " + repo);
  }
  std::unique_ptr<git_revwalk, void (*)(git_revwalk *)> w(walk_raw, git_revwalk_free);
  git_revwalk_sorting(walk_raw, GIT_SORT_TIME);
  std::vector<Entry> out;
  if (git_revwalk_push_head(walk_raw) != 0) {
    return out;  // unborn HEAD: no commits yet
  }
  git_oid oid;
  while (out.size() < a.limit && git_revwalk_next(&oid, walk_raw) == 0) {
    git_commit *c = nullptr;
    if (git_commit_lookup(&c, raw, &oid) != 0) {
      continue;
    }
    Entry e;
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof(hex), &oid);
    e.sha = hex;
    const char *summary = git_commit_summary(c);
    e.subject = summary != nullptr ? summary : "";
    for (const auto &[k, v] : gb::parse_trailers(git_commit_message(c))) {
      e.trailers[k] = v;
    }
    git_commit_free(c);
    if (a.session && e.trailers["PVP-Session"] != *a.session) {
      continue;
    }
    if (auto note = gb::read_note(repo, kNotesRef, e.sha)) {
      e.note = true;
      rapidjson::Document d;
      d.Parse(note->c_str(), note->size());
      if (d.IsObject() && d.HasMember("journal_hash") && d["journal_hash"].IsString()) {
        e.note_hash = d["journal_hash"].GetString();
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

int log(const GitArgs &a) {
  const std::string repo = repository(a);
  std::optional<fs::path> state;
  if (a.state_dir || a.config) {
    state = state_dir_of(a);
  }
  std::vector<Entry> entries = walk(repo, a);
  bool bad = false;
  for (Entry &e : entries) {
    auto it = e.trailers.find("PVP-Journal");
    if (it == e.trailers.end()) {
      continue;
    }
    std::optional<gb::JournalAnchor> anchor = gb::parse_journal_anchor(it->second);
    if (!anchor) {
      e.verdict = "malformed";
    } else if (!e.note_hash.empty() && e.note_hash != anchor->hash) {
      e.verdict = "mismatch (the note names another hash)";
    } else if (!state) {
      e.verdict = "not checked (no --state-dir)";
    } else {
      e.verdict = check_anchor(*state, e.trailers["PVP-Session"], *anchor);
    }
    bad = bad || e.verdict == "malformed" || e.verdict.rfind("mismatch", 0) == 0 ||
          e.verdict.rfind("journal broken", 0) == 0;
  }
  auto trailer = [](const Entry &e, const char *k) {
    auto it = e.trailers.find(k);
    return it == e.trailers.end() ? std::string() : it->second;
  };
  if (a.json) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartArray();
    for (const Entry &e : entries) {
      w.StartObject();
      w.Key("sha");
      w.String(e.sha.c_str());
      w.Key("subject");
      w.String(e.subject.c_str());
      w.Key("trailers");
      w.StartObject();
      for (const auto &[k, v] : e.trailers) {
        w.Key(k.c_str());
        w.String(v.c_str());
      }
      w.EndObject();
      w.Key("note");
      w.Bool(e.note);
      w.Key("journal");
      if (e.verdict.empty()) {
        w.Null();
      } else {
        w.String(e.verdict.c_str());
      }
      w.EndObject();
    }
    w.EndArray();
    std::cout << buf.GetString() << "\n";
    return bad ? kFailure : kOk;
  }
  for (const Entry &e : entries) {
    std::cout << e.sha.substr(0, 12) << " " << e.subject << "\n";
    std::string session = trailer(e, "PVP-Session");
    if (session.empty()) {
      std::cout << "    no PVP trailers\n";
      continue;
    }
    std::cout << "    session " << session;
    for (const auto &[label, key] :
         {std::pair{"approvers", "PVP-Approvers"}, std::pair{"tools", "PVP-Tools"},
          std::pair{"by", "Decision-By"}}) {
      if (std::string v = trailer(e, key); !v.empty()) {
        std::cout << "  " << label << " " << v;
      }
    }
    std::cout << "\n    note " << (e.note ? "yes" : "no");
    if (std::string j = trailer(e, "PVP-Journal"); !j.empty()) {
      std::cout << "  journal " << j.substr(0, j.find(':') + 13) << "...  " << e.verdict;
    } else {
      std::cout << "  journal -";
    }
    std::cout << "\n";
  }
  return bad ? kFailure : kOk;
}

}  // namespace

int run_git(const std::vector<std::string> &args) {
  git_libgit2_init();
  struct Shutdown {
    ~Shutdown() { git_libgit2_shutdown(); }
  } shutdown;
  try {
    GitArgs a = parse(args);
    if (a.sub == "help") {
      std::cout << kGitUsage;
      return kOk;
    }
    if (a.sub == "install-hooks") {
      return install(a);
    }
    if (a.sub == "uninstall-hooks") {
      return uninstall(a);
    }
    return log(a);
  } catch (const UsageError &e) {
    std::cerr << "pvpctl: " << e.what() << "\n\n" << kGitUsage;
    return kUsage;
  } catch (const std::exception &e) {
    std::cerr << "pvpctl: error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace pvpctl
