// Fuzz target: the tool runtime's risk classifier (plugins/common/tools). The input is used three
// ways: as a shell command string (lexed, split for the shell tool, and classified through
// {"command": ...}), as the arguments JSON of every built-in tool, and, after the first
// newline, as an argv array of lines. It must never crash or hang, and never call garbage low.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tools/command_lexer.h"
#include "tools/tool_runtime.h"

namespace {

std::string json_string(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  using pvpd::tools::classify;

  pvpd::tools::ShellScript script = pvpd::tools::parse_shell(input);
  (void)script;
  std::vector<std::string> argv;
  std::string error;
  pvpd::tools::split_command_words(input, &argv, &error);

  pvpd::tools::Classification c = classify("shell", "{\"command\":" + json_string(input) + "}");
  if (c.reason.empty()) {
    std::abort();
  }

  for (std::string_view tool : {"shell", "file_read", "file_write", "file_edit", "file_delete",
                                "list_dir", "search", "unknown_tool"}) {
    pvpd::tools::Classification t = classify(tool, input);
    if (t.reason.empty() || t.category.empty()) {
      std::abort();
    }
  }

  std::string json = "{\"argv\":[";
  size_t start = 0;
  bool first = true;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = input.size();
    }
    json += (first ? "" : ",") + json_string(input.substr(start, nl - start));
    first = false;
    start = nl + 1;
  }
  json += "]}";
  classify("shell", json);
  return 0;
}
