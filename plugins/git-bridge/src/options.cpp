// Parsing of the normalized instance config (see options.h).
#include "options.h"

#include <rapidjson/document.h>

#include <charconv>

namespace pvpd::git_bridge {
namespace {

const rapidjson::Value *member(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

class Reader {
 public:
  explicit Reader(std::vector<SettingsError> *errors) : errors_(errors) {}

  void string(const rapidjson::Value *v, const std::string &pointer, std::string *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsString()) {
      fail(pointer, "expected a string");
      return;
    }
    out->assign(v->GetString(), v->GetStringLength());
  }
  void boolean(const rapidjson::Value *v, const std::string &pointer, bool *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsBool()) {
      fail(pointer, "expected true or false");
      return;
    }
    *out = v->GetBool();
  }
  template <typename T>
  void count(const rapidjson::Value *v, const std::string &pointer, T *out, uint64_t min_value,
             uint64_t max_value) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsUint64() || v->GetUint64() < min_value || v->GetUint64() > max_value) {
      fail(pointer, "expected an integer from " + std::to_string(min_value) + " to " +
                        std::to_string(max_value));
      return;
    }
    *out = static_cast<T>(v->GetUint64());
  }
  void fail(const std::string &pointer, std::string message) {
    errors_->push_back({pointer, std::move(message)});
  }

 private:
  std::vector<SettingsError> *errors_;
};

bool parse_listen(std::string_view text, std::string *host, int *port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) {
    return false;
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  std::string_view p = text.substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value < 0 || value > 65535) {
    return false;
  }
  host->assign(h);
  *port = value;
  return true;
}

}  // namespace

std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out) {
  std::vector<SettingsError> errors;
  Reader r(&errors);
  rapidjson::Document d;
  d.Parse(config_json.data() == nullptr ? "" : config_json.data(), config_json.size());
  if (config_json.empty()) {
    d.SetObject();
  }
  if (d.HasParseError() || !d.IsObject()) {
    r.fail("", "the config is not a JSON object");
    return errors;
  }
  if (const auto *v = member(d, "listen"); v != nullptr) {
    std::string text;
    r.string(v, "/listen", &text);
    if (v->IsString() && !parse_listen(text, &out->listen_host, &out->listen_port)) {
      r.fail("/listen", "expected host:port");
    } else if (v->IsString() && out->listen_host != "127.0.0.1" && out->listen_host != "::1" &&
               out->listen_host != "localhost") {
      // The API carries session content and accepts commit notifications without a token.
      r.fail("/listen", "the bridge API only listens on loopback (127.0.0.1, ::1, localhost)");
    }
  }
  r.boolean(member(d, "http"), "/http", &out->http);
  r.string(member(d, "port_file"), "/port_file", &out->port_file);
  r.string(member(d, "unix_socket"), "/unix_socket", &out->unix_socket);
  r.count(member(d, "socket_mode"), "/socket_mode", &out->socket_mode, 0, 0777);
  r.string(member(d, "workspace_root"), "/workspace_root", &out->workspace_root);
  if (const auto *v = member(d, "repositories"); v != nullptr) {
    if (!v->IsArray()) {
      r.fail("/repositories", "expected a list of {session, path}");
    } else {
      for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        std::string base = "/repositories/" + std::to_string(i);
        RepositoryRule rule;
        r.string(member((*v)[i], "session"), base + "/session", &rule.session);
        r.string(member((*v)[i], "path"), base + "/path", &rule.path);
        if (rule.session.empty() || rule.path.empty()) {
          r.fail(base, "each repository needs `session` and `path`");
          continue;
        }
        out->repositories.push_back(std::move(rule));
      }
    }
  }
  r.boolean(member(d, "init_repositories"), "/init_repositories", &out->init_repositories);
  r.boolean(member(d, "install_hooks"), "/install_hooks", &out->install_hooks);
  r.string(member(d, "notes_ref"), "/notes_ref", &out->notes_ref);
  if (out->notes_ref.rfind("refs/notes/", 0) != 0 || out->notes_ref.size() <= 11) {
    r.fail("/notes_ref", "must start with refs/notes/");
  }
  r.string(member(d, "branch_prefix"), "/branch_prefix", &out->branch_prefix);
  r.count(member(d, "max_body"), "/max_body", &out->max_body, 1024, 64ULL * 1024 * 1024);
  r.count(member(d, "max_messages"), "/max_messages", &out->max_messages, 1, 100000);
  r.count(member(d, "max_commits"), "/max_commits", &out->max_commits, 1, 100000);
  r.count(member(d, "hook_timeout"), "/hook_timeout", &out->hook_timeout_ms, 100, 60000);
  r.boolean(member(d, "require_trailers"), "/require_trailers", &out->require_trailers);
  r.boolean(member(d, "publish"), "/publish", &out->publish);
  r.count(member(d, "min_coverage"), "/min_coverage", &out->min_coverage, 0, 100);
  r.boolean(member(d, "enforce_coverage"), "/enforce_coverage", &out->enforce_coverage);
  return errors;
}

}  // namespace pvpd::git_bridge
