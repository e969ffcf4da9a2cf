// Fuzz target: the git bridge's request handling (plugins/git-bridge): HTTP target parsing
// (path, query, percent-decoding), JSON bodies of every POST endpoint, the unix socket's
// newline-JSON actions, the commit-message trailer rewriting of the prepare-commit-msg hook,
// and the bus envelopes the decision tracker digests; the decision state file decoder and the
// PVP-Journal anchor parser (commit messages are untrusted).
//
// Input: "<METHOD> <target>\n<body>". Invariant: every JSON answer parses as JSON.
#include <git2.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bridge_api.h"
#include "commit_metadata.h"
#include "decision_state.h"
#include "decision_store.h"

namespace {

void must_be_json(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  if (d.HasParseError()) {
    __builtin_trap();
  }
}

struct World {
  World() {
    git_libgit2_init();  // trailer parsing; never shut down (the process ends with the fuzzer)
    tracker.observe(
        R"({"session":"s1","type":"participant.announce","id":"a","sender":"alice",)"
        R"("payload":{"id":"alice","name":"Alice","type":"human","roles":["driver"]}})");
    tracker.observe(R"({"session":"s1","type":"prompt.submit","id":"p","sender":"alice",)"
                    R"("payload":{"content":"go"}})");
  }
  pvpd::git_bridge::DecisionTracker tracker{50, 100};
  pvpd::git_bridge::BridgeApi api{&tracker, pvpd::git_bridge::ApiConfig{}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static World world;
  std::string_view in(reinterpret_cast<const char *>(data), size);
  std::size_t nl = in.find('\n');
  std::string_view head = in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  pvpd::git_bridge::ApiRequest req;
  std::size_t sp = head.find(' ');
  req.method = std::string(head.substr(0, sp));
  std::string target = sp == std::string_view::npos ? "/" : std::string(head.substr(sp + 1));
  pvpd::git_bridge::BridgeApi::split_target(target, &req.path, &req.query);
  req.body = std::string(body);
  pvpd::git_bridge::ApiResponse r = world.api.handle(req);
  if (r.content_type == "application/json") {
    must_be_json(r.body);
  }
  must_be_json(world.api.handle_socket_line(body));
  world.tracker.observe(body);
  std::string error;
  if (auto st = pvpd::git_bridge::decode_state(body, &error)) {
    // Whatever decodes encodes again to a state file that decodes.
    if (!pvpd::git_bridge::decode_state(pvpd::git_bridge::encode_state(*st), &error)) {
      __builtin_trap();
    }
  }
  if (auto a = pvpd::git_bridge::parse_journal_anchor(body)) {
    if (a->hash.size() != 64 || std::to_string(a->seq) + ":" + a->hash != body) {
      __builtin_trap();
    }
  }
  return 0;
}
