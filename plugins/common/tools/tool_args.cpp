// Tool argument parsing (see tool_args.h).
#include "tools/tool_args.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <initializer_list>

namespace pvpd::tools {
namespace {

// Reads one arguments object; the first problem found becomes the error.
class ArgObject {
 public:
  ArgObject(std::string_view json, std::string *error) : error_(error) {
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      json = "{}";  // no arguments at all
    }
    // Iterative parsing: deeply nested input cannot exhaust the stack.
    doc_.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc_.HasParseError()) {
      fail(std::string("the arguments are not valid JSON (") +
           rapidjson::GetParseError_En(doc_.GetParseError()) + ")");
    } else if (!doc_.IsObject()) {
      fail("the arguments must be a JSON object");
    }
  }

  bool ok() const { return error_->empty(); }

  bool string(const char *key, bool required, std::string *out, bool allow_nul = false) {
    const rapidjson::Value *v = find(key, required);
    if (v == nullptr) {
      return ok();
    }
    if (!v->IsString()) {
      return fail(std::string("`") + key + "` must be a string");
    }
    out->assign(v->GetString(), v->GetStringLength());
    if (!allow_nul && out->find('\0') != std::string::npos) {
      return fail(std::string("`") + key + "` must not contain NUL characters");
    }
    return true;
  }

  bool number(const char *key, uint64_t *out) {
    const rapidjson::Value *v = find(key, false);
    if (v == nullptr) {
      return ok();
    }
    if (v->IsUint64()) {
      *out = v->GetUint64();
      return true;
    }
    if (v->IsDouble() && v->GetDouble() >= 0 && v->GetDouble() <= 1e15 &&
        v->GetDouble() == static_cast<double>(static_cast<uint64_t>(v->GetDouble()))) {
      *out = static_cast<uint64_t>(v->GetDouble());
      return true;
    }
    return fail(std::string("`") + key + "` must be a non-negative integer");
  }

  bool boolean(const char *key, bool *out) {
    const rapidjson::Value *v = find(key, false);
    if (v == nullptr) {
      return ok();
    }
    if (!v->IsBool()) {
      return fail(std::string("`") + key + "` must be true or false");
    }
    *out = v->GetBool();
    return true;
  }

  // Returns false with no error when the key is absent.
  bool strings(const char *key, std::vector<std::string> *out) {
    const rapidjson::Value *v = find(key, false);
    if (v == nullptr) {
      return false;
    }
    if (!v->IsArray()) {
      return fail(std::string("`") + key + "` must be an array of strings");
    }
    for (const auto &item : v->GetArray()) {
      if (!item.IsString()) {
        return fail(std::string("`") + key + "` must be an array of strings");
      }
      out->emplace_back(item.GetString(), item.GetStringLength());
      if (out->back().find('\0') != std::string::npos) {
        return fail(std::string("`") + key + "` must not contain NUL characters");
      }
    }
    return true;
  }

  bool has(const char *key) const {
    return doc_.IsObject() && doc_.HasMember(key) && !doc_[key].IsNull();
  }

  // Unknown keys are refused so a misspelt option is never silently ignored.
  bool finish(std::initializer_list<const char *> allowed) {
    if (!ok()) {
      return false;
    }
    // `<`, not `!=`: clang in C++20 mode finds RapidJSON's iterator `!=` ambiguous.
    for (auto m = doc_.MemberBegin(); m < doc_.MemberEnd(); ++m) {
      std::string_view name(m->name.GetString(), m->name.GetStringLength());
      bool known = false;
      for (const char *a : allowed) {
        known = known || name == a;
      }
      if (!known) {
        std::string list;
        for (const char *a : allowed) {
          list += list.empty() ? "" : ", ";
          list += a;
        }
        return fail("unknown argument `" + std::string(name) + "` (allowed: " + list + ")");
      }
    }
    return true;
  }

 private:
  const rapidjson::Value *find(const char *key, bool required) {
    if (!ok()) {
      return nullptr;
    }
    if (!doc_.HasMember(key) || doc_[key].IsNull()) {
      if (required) {
        fail(std::string("missing required argument `") + key + "`");
      }
      return nullptr;
    }
    return &doc_[key];
  }
  bool fail(std::string message) {
    if (error_->empty()) {
      *error_ = std::move(message);
    }
    return false;
  }

  rapidjson::Document doc_;
  std::string *error_;
};

}  // namespace

bool parse_shell_args(std::string_view json, ShellArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  bool has_argv = a.strings("argv", &out->argv);
  out->has_command = a.has("command");
  a.string("command", false, &out->command);
  a.string("cwd", false, &out->cwd);
  a.number("timeout_ms", &out->timeout_ms);
  if (!a.finish({"argv", "command", "cwd", "timeout_ms"})) {
    return false;
  }
  if (has_argv == out->has_command) {
    *error = "give exactly one of `argv` (an array of strings) or `command` (a string)";
    return false;
  }
  if (has_argv && (out->argv.empty() || out->argv.front().empty())) {
    *error = "`argv` must start with a program name";
    return false;
  }
  return true;
}

bool parse_file_read_args(std::string_view json, FileReadArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("path", true, &out->path);
  a.number("offset", &out->offset);
  a.number("limit", &out->limit);
  return a.finish({"path", "offset", "limit"});
}

bool parse_file_write_args(std::string_view json, FileWriteArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("path", true, &out->path);
  a.string("content", true, &out->content, true);
  return a.finish({"path", "content"});
}

bool parse_file_edit_args(std::string_view json, FileEditArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("path", true, &out->path);
  a.string("old_string", true, &out->old_string, true);
  a.string("new_string", true, &out->new_string, true);
  a.boolean("replace_all", &out->replace_all);
  return a.finish({"path", "old_string", "new_string", "replace_all"});
}

bool parse_file_delete_args(std::string_view json, FileDeleteArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("path", true, &out->path);
  a.boolean("recursive", &out->recursive);
  return a.finish({"path", "recursive"});
}

bool parse_git_commit_args(std::string_view json, GitCommitArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("message", true, &out->message);
  a.strings("paths", &out->paths);
  if (a.ok() && out->message.find_first_not_of(" \t\r\n") == std::string::npos) {
    *error = "`message` must not be empty";
    return false;
  }
  return a.finish({"message", "paths"});
}

bool parse_list_dir_args(std::string_view json, ListDirArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("path", false, &out->path);
  a.boolean("recursive", &out->recursive);
  return a.finish({"path", "recursive"});
}

bool parse_search_args(std::string_view json, SearchArgs *out, std::string *error) {
  error->clear();
  ArgObject a(json, error);
  a.string("pattern", true, &out->pattern);
  a.string("path", false, &out->path);
  a.string("glob", false, &out->glob);
  a.number("max_results", &out->max_results);
  return a.finish({"pattern", "path", "glob", "max_results"});
}

}  // namespace pvpd::tools
