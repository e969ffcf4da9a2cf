#include "config/env_expand.h"

#include <cstdlib>

#include "config/tree_walk.h"

namespace pvpd::config {

EnvLookup process_env() {
  return [](const std::string &name) -> std::optional<std::string> {
    const char *v = std::getenv(name.c_str());
    if (v == nullptr) {
      return std::nullopt;
    }
    return std::string(v);
  };
}

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> expand_env(std::string_view text, const EnvLookup &env,
                                      std::string *error) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      *error = "unterminated '${' (write '$${' for a literal '${')";
      return std::nullopt;
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    if (!valid_name(name)) {
      *error = "invalid variable reference '${" + std::string(body) +
               "}' (expected ${NAME} or ${NAME:-default})";
      return std::nullopt;
    }
    std::optional<std::string> value = env ? env(std::string(name)) : std::nullopt;
    if (fallback && (!value || value->empty())) {
      out += *fallback;
    } else if (value) {
      out += *value;
    } else {
      *error = "environment variable '" + std::string(name) + "' is not set (use ${" +
               std::string(name) + ":-default} to give a default)";
      return std::nullopt;
    }
    i = close + 1;
  }
  return out;
}

void expand_env_in_tree(YamlNode &root, const EnvLookup &env, DiagnosticSink &sink) {
  for_each_scalar_value(root, [&](YamlNode &node, const std::string &path) {
    if (node.scalar.find('$') == std::string::npos) {
      return;
    }
    std::string error;
    if (auto v = expand_env(node.scalar, env, &error)) {
      node.scalar = std::move(*v);
    } else {
      node.expand_failed = true;
      sink.error(node.mark, path, error);
    }
  });
}

}  // namespace pvpd::config
