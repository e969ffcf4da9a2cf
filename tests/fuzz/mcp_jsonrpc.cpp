// Fuzz target: the MCP-stdio plugin's JSON-RPC/MCP message handler (McpSession), the parser of
// every byte an MCP client sends. The input is split into lines; a line starting with "P:" is
// delivered as a PVP frame from the core instead (so join replies, gate decisions and pushes are
// reached), "T:" advances the clock and expires waits. Invariants checked: every message the
// session writes is one line of valid JSON-RPC 2.0, and every PVP frame it sends is valid JSON.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcp_session.h"

namespace {

class CheckingSink final : public pvpd::mcp::McpSink {
 public:
  void to_client(std::string line) override {
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject() || line.find('\n') != std::string::npos ||
        !d.HasMember("jsonrpc")) {
      __builtin_trap();
    }
  }
  pvpd_status to_pvp(std::string_view envelope) override {
    rapidjson::Document d;
    d.Parse(envelope.data(), envelope.size());
    if (d.HasParseError() || !d.IsObject()) {
      __builtin_trap();
    }
    return PVPD_OK;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const pvpd::mcp::Settings settings = [] {
    pvpd::mcp::Settings s;
    s.max_buffered = 16;
    s.rate_burst = 0;  // exercise the handler, not the limiter
    s.push = pvpd::mcp::PushMode::kAlways;
    return s;
  }();
  CheckingSink sink;
  pvpd::mcp::McpSession session(settings, &sink, 1);
  std::string_view in(reinterpret_cast<const char *>(data), size);
  uint64_t now = 1000;
  while (!in.empty()) {
    std::size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (line.substr(0, 2) == "P:") {
      session.on_pvp(line.substr(2), false, now);
    } else if (line.substr(0, 2) == "T:") {
      now += 60000;
      session.tick(now);
    } else {
      session.handle_line(line, now);
    }
  }
  session.close();
  return 0;
}
