// Golden-transcript tests (issue #3, "Tests"): every reference-server capture in
// tests/fixtures/protocol/ is replayed into the Router (transcript_replay.h), and what each client
// received is compared with tests/fixtures/protocol/golden/<scenario>.pvpd.jsonl.
// PVPD_UPDATE_GOLDEN=1 rewrites the goldens instead; review the diff before committing, since the
// goldens document pvpd's behaviour client by client.
//
// For the scenarios whose behaviour pvpd keeps compatible (kCompatible below), a second test
// checks, per client, that the (type, sender) sequence pvpd delivers equals the reference's
// `recv` sequence once the documented deliberate differences (docs/protocol.md, "Differences from
// the reference server") are removed. Each difference is one numbered, commented filter citing
// its row in that table; nothing else is skipped.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "router_test_util.h"
#include "transcript_replay.h"

namespace pvpd::testing {
namespace {

namespace fs = std::filesystem;

fs::path fixtures_dir() {
  if (const char *src = std::getenv("PVPD_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return fs::path(src) / "tests/fixtures/protocol";
  }
  return PVPD_PROTOCOL_FIXTURES_DIR;
}

// Captures of the router's protocol. s12 (HTTP and bridge), s14 (git hooks) and the server's
// session logs exercise other components.
std::vector<std::string> scenarios() {
  std::vector<std::string> out;
  for (const auto &e : fs::directory_iterator(fixtures_dir())) {
    std::string name = e.path().filename().string();
    if (e.path().extension() != ".jsonl" || name.rfind("s12", 0) == 0 ||
        name.rfind("s14", 0) == 0 || name.rfind("sessionlog_", 0) == 0) {
      continue;
    }
    out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The daemon's defaults, which are also the reference's advertised values (gate timeout 300 s,
// resolution "rejected"); the captures then show what pvpd does out of the box.
session::RouterOptions replay_options() {
  return session::RouterOptions{};
}

std::string read_file(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    out.push_back(line);
  }
  return out;
}

class TranscriptGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptGolden, MatchesGoldenFile) {
  const std::string scenario = GetParam();
  auto records = load_transcript((fixtures_dir() / (scenario + ".jsonl")).string());
  ReplayResult result = replay_transcript(records, replay_options());
  std::string actual = golden_text(result, records);
  fs::path golden = fixtures_dir() / "golden" / (scenario + ".pvpd.jsonl");
  if (const char *u = std::getenv("PVPD_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with PVPD_UPDATE_GOLDEN=1";
  auto want = lines_of(read_file(golden));
  auto got = lines_of(actual);
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    ASSERT_EQ(got[i], want[i]) << "first difference at line " << i + 1 << " of " << golden;
  }
  EXPECT_EQ(got.size(), want.size()) << "line count differs from " << golden;
}

std::string scenario_name(const ::testing::TestParamInfo<std::string> &param) {
  return param.param;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, TranscriptGolden, ::testing::ValuesIn(scenarios()),
                         scenario_name);

// ---------------------------------------------------------------------------------------------
// Comparison with the reference server's own deliveries.
// ---------------------------------------------------------------------------------------------

// Scenarios pvpd keeps compatible (pvp-anchor.md §14): the create/join sequence (s01), a prompt
// and its streams (s02), disconnect and re-join (s07) and total ordering with a gate and an
// interrupt (s09). The others exercise reference bugs pvpd deliberately fixes (create race s00,
// gates without identity/timeouts s03/s04/s13, unscoped visibility s05/s16, trusted senders s06,
// duplicate-connection deafness s08, pong liveness s10, re-create wipe s11, undelivered shutdown
// s15); their goldens document pvpd's behaviour instead.
const char *const kCompatible[] = {"s01_create_join", "s02_prompt_stream",
                                   "s07_disconnect_reconnect", "s09_total_ordering"};

using TypeSender = std::pair<std::string, std::string>;

std::string describe(const std::vector<TypeSender> &seq) {
  std::string out;
  for (const auto &[type, sender] : seq) {
    out += "  " + type + " from " + sender + "\n";
  }
  return out;
}

std::string str_at(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return {};
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// What the capture says about its clients, for the filters.
struct CaptureFacts {
  std::map<std::string, std::set<std::string>> sent_ids;         // client -> ids it sent
  std::map<std::string, std::set<std::string>> joined_sessions;  // client -> sessions joined
  std::map<std::string, size_t> join_record;   // client -> index of its (last) join send
  std::set<std::string> unbound_clients;       // sent frames but never session.join
  std::set<std::string> pure_observers;        // participant ids: only role observer, no caps
  std::set<std::string> approvers;             // participant ids: role approver or cap approve
  std::set<std::string> client_pong_ids;       // ids of client-sent heartbeat.pong frames
  std::set<std::string> observer_refused_ids;  // observer frames pvpd refuses (filter 7)
  std::map<std::string, std::set<std::string>> thinking_audience;  // thinking.start id -> ids
  size_t teardown_start = SIZE_MAX;  // first record of the final close burst
  size_t last_activity = 0;          // last send or open record
};

// Types a participant holding only the observer role may still send (the permission matrix's
// "any member" rows); every other type is refused by pvpd and relayed by the reference.
bool observer_may_send(const std::string &type) {
  static const std::set<std::string> kAllowed = {
      "session.leave",   "participant.announce", "heartbeat.ping", "heartbeat.pong",
      "presence.update", "fork.switch",          "session.join",   "session.create"};
  return kAllowed.count(type) != 0;
}

CaptureFacts facts_of(const std::vector<TranscriptRecord> &records) {
  CaptureFacts f;
  std::set<std::string> senders;
  for (const auto &r : records) {
    if (r.dir != "send" || !r.has_frame) {
      continue;
    }
    senders.insert(r.client);
    f.sent_ids[r.client].insert(r.id);
    rapidjson::Document d;
    d.Parse(r.frame_json.c_str());
    const rapidjson::Value &pl = d.IsObject() && d.HasMember("payload") ? d["payload"] : d;
    if (r.type == "session.join") {
      f.joined_sessions[r.client].insert(r.session);
      f.join_record[r.client] = r.index;
      const rapidjson::Value &p =
          pl.IsObject() && pl.HasMember("participant") ? pl["participant"] : pl;
      std::string pid = str_at(p, "id");
      bool observer_only = true;
      bool approver = false;
      if (p.IsObject() && p.HasMember("roles") && p["roles"].IsArray()) {
        for (const auto &role : p["roles"].GetArray()) {
          std::string rs = role.IsString() ? role.GetString() : "";
          observer_only = observer_only && rs == "observer";
          approver = approver || rs == "approver";
        }
      }
      if (p.IsObject() && p.HasMember("capabilities") && p["capabilities"].IsArray()) {
        observer_only = observer_only && p["capabilities"].Empty();
        for (const auto &cap : p["capabilities"].GetArray()) {
          approver = approver || (cap.IsString() && std::string(cap.GetString()) == "approve");
        }
      }
      if (observer_only) {
        f.pure_observers.insert(pid);
      }
      if (approver) {
        f.approvers.insert(pid);
      }
    }
    if (r.type == "heartbeat.pong") {
      f.client_pong_ids.insert(r.id);
    }
    if (f.pure_observers.count(r.sender) != 0 && !observer_may_send(r.type)) {
      f.observer_refused_ids.insert(r.id);
    }
    if (r.type == "thinking.start") {
      auto vt = pl.IsObject() ? pl.FindMember("visible_to") : pl.MemberEnd();
      if (pl.IsObject() && vt != pl.MemberEnd()) {
        std::set<std::string> audience;
        if (vt->value.IsString() && std::string(vt->value.GetString()) == "approvers_only") {
          audience = f.approvers;
          audience.insert(r.sender);  // the agent always sees its own stream
        } else if (vt->value.IsArray()) {
          for (const auto &v : vt->value.GetArray()) {
            audience.insert(v.IsString() ? v.GetString() : "");
          }
          audience.insert(r.sender);
        }
        f.thinking_audience[r.id] = audience;
      }
    }
  }
  // Filter 7 concerns only the frames the reference relayed: where the reference refused an
  // observer's frame too (its own permission check), both servers answer with an error.
  for (const auto &r : records) {
    if (r.dir == "recv" && r.type == "error" && r.sender == "system") {
      rapidjson::Document d;
      d.Parse(r.frame_json.c_str());
      if (d.IsObject() && d.HasMember("payload")) {
        f.observer_refused_ids.erase(str_at(d["payload"], "related_to"));
      }
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].dir == "send" || (records[i].dir == "event" && records[i].event == "open")) {
      f.last_activity = i;
    }
  }
  for (const auto &c : senders) {
    if (f.joined_sessions.count(c) == 0) {
      f.unbound_clients.insert(c);
    }
  }
  for (size_t i = records.size(); i-- > 0;) {
    const auto &r = records[i];
    if (r.dir == "send" || (r.dir == "event" && r.event == "open")) {
      break;
    }
    if (r.dir == "event" && r.event == "close") {
      f.teardown_start = i;
    }
  }
  return f;
}

const std::set<std::string> &sent_by(const CaptureFacts &f, const std::string &client) {
  static const std::set<std::string> kNone;
  auto it = f.sent_ids.find(client);
  return it == f.sent_ids.end() ? kNone : it->second;
}

// The reference's `recv` sequence for `client`, minus the deliberate differences.
std::vector<TypeSender> reference_sequence(const std::vector<TranscriptRecord> &records,
                                           const CaptureFacts &f, const std::string &client) {
  std::vector<TypeSender> out;
  // thinking.* frames after a start belong to that start's stream (sender -> audience).
  std::map<std::string, const std::set<std::string> *> stream_audience;
  std::map<std::string, std::string> participant_of;  // client -> its participant id
  for (const auto &r : records) {
    if (r.dir == "send" && r.type == "session.join") {
      participant_of[r.client] = r.sender;
    }
  }
  bool in_join_reply = false;
  for (const auto &r : records) {
    if (r.dir == "send" && r.client == client && r.type == "session.join") {
      in_join_reply = true;
    }
    if (r.dir != "recv" || r.client != client || !r.has_frame) {
      continue;
    }
    rapidjson::Document d;
    d.Parse(r.frame_json.c_str());
    const rapidjson::Value &pl = d.IsObject() && d.HasMember("payload") ? d["payload"] : d;
    // The join reply runs from the client's join to the working-directory context.add.
    if (r.type == "context.add" && str_at(pl, "key") == "session:working_directory") {
      in_join_reply = false;
    }
    if (r.type == "thinking.start") {
      auto a = f.thinking_audience.find(r.id);
      stream_audience[r.sender] = a == f.thinking_audience.end() ? nullptr : &a->second;
    }

    // 6. [not a difference: a capture race] Teardown: the capture harness closes its sockets in a
    // burst at the end; whether a
    //    closing socket still sees the others' disconnect notices is a race in the capture.
    //    The capture logs a server's notice before the client-side close event that caused
    //    it, so on this side the burst is recognised by content: disconnect notices after the
    //    last send or open.
    bool disconnect_notice =
        (r.type == "session.leave" && str_at(pl, "reason") == "Client disconnected") ||
        (r.type == "presence.update" && str_at(pl, "status") == "disconnected");
    if (r.index > f.last_activity && f.teardown_start != SIZE_MAX && disconnect_notice) {
      continue;
    }
    // 1. [difference 1] The session.create echo goes to the creator only (the reference echoes it
    // to every
    //    connection on the server).
    if (r.type == "session.create" && sent_by(f, client).count(r.id) == 0) {
      continue;
    }
    // 2. [difference 4] Frames about a session go to that session's participants only: the
    // reference sends
    //    disconnect notices and idle/away presence to every connection on the server.
    if (f.joined_sessions.count(client) != 0 &&
        f.joined_sessions.at(client).count(r.session) == 0) {
      continue;
    }
    // 3. [difference 12] pvpd does not relay client heartbeat.pong frames (liveness only).
    if (r.type == "heartbeat.pong" && f.client_pong_ids.count(r.id) != 0) {
      continue;
    }
    // 4. [difference 7] Errors go to the offending connection only (the reference sends router
    // errors to the
    //    whole session). A client-sent `error` is a relay, not an error of the server.
    if (r.type == "error" && r.sender == "system" &&
        sent_by(f, client).count(str_at(pl, "related_to")) == 0) {
      continue;
    }
    // 5. [differences 5, 6] Identity is bound per connection by session.join: a connection that
    // never joined gets
    //    no session frames, and what it sends is refused rather than relayed.
    if (f.unbound_clients.count(client) != 0) {
      continue;
    }
    bool from_unbound = false;
    for (const auto &u : f.unbound_clients) {
      from_unbound = from_unbound || sent_by(f, u).count(r.id) != 0;
    }
    if (from_unbound) {
      continue;
    }
    // 7. [difference 35] Observers are read-only: pvpd refuses their frames other than membership,
    // heartbeat
    //    and presence (the reference relays e.g. an observer's prompt.draft).
    if (f.observer_refused_ids.count(r.id) != 0) {
      continue;
    }
    // 8. [difference 28] thinking.start visible_to is enforced for the whole stream (the reference
    // ignores it).
    if (r.type.rfind("thinking.", 0) == 0) {
      auto it = stream_audience.find(r.sender);
      if (it != stream_audience.end() && it->second != nullptr &&
          it->second->count(participant_of[client]) == 0) {
        continue;
      }
    }
    // 10. [difference 38] Streaming deltas (thinking.chunk, response.chunk, tool.output) are
    // live-only: pvpd
    //     keeps their start/end frames in history but not every chunk, so a joiner's history
    //     replay lacks them (the reference replays every chunk).
    if (in_join_reply &&
        (r.type == "thinking.chunk" || r.type == "response.chunk" || r.type == "tool.output")) {
      continue;
    }
    out.emplace_back(r.type, r.sender);
  }
  return out;
}

// What pvpd delivered to `client`, minus pvpd's own additions that are deliberate differences.
std::vector<TypeSender> pvpd_sequence(const ReplayResult &result,
                                      const std::vector<TranscriptRecord> &records,
                                      const CaptureFacts &f, const std::string &client) {
  std::vector<TypeSender> out;
  auto join = f.join_record.find(client);
  for (const auto &fr : result.received) {
    if (fr.client != client) {
      continue;
    }
    rapidjson::Document d;
    d.Parse(fr.json.c_str());
    std::string type = str_at(d, "type");
    std::string sender = str_at(d, "sender");
    const rapidjson::Value &pl = d.HasMember("payload") ? d["payload"] : d;
    // 6. Teardown (see reference_sequence).
    if (fr.cause >= f.teardown_start) {
      continue;
    }
    // 5. [differences 5, 6] A connection that never joined: pvpd answers its frames with errors
    // only.
    if (f.unbound_clients.count(client) != 0) {
      continue;
    }
    // 7. [difference 35] The error an observer gets for a refused frame (the reference relayed it
    // instead).
    if (type == "error" && f.observer_refused_ids.count(str_at(pl, "related_to")) != 0) {
      continue;
    }
    // 9. [differences 21, 22] tool.execute and gate.timeout enter pvpd's history (they are the
    // decision record), and
    //    open gates' gate.request frames are replayed to joiners so they can still vote; the
    //    reference's join replay has neither.
    bool in_join_reply = join != f.join_record.end() && fr.cause == join->second;
    if (in_join_reply &&
        (type == "tool.execute" || type == "gate.timeout" || type == "gate.request")) {
      continue;
    }
    out.emplace_back(type, sender);
  }
  (void)records;
  return out;
}

class TranscriptReference : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptReference, TypeAndSenderMatchTheReferencePerClient) {
  const std::string scenario = GetParam();
  auto records = load_transcript((fixtures_dir() / (scenario + ".jsonl")).string());
  ReplayResult result = replay_transcript(records, replay_options());
  CaptureFacts facts = facts_of(records);
  std::set<std::string> clients;
  for (const auto &r : records) {
    if (r.dir == "send" || r.dir == "recv") {
      clients.insert(r.client);
    }
  }
  ASSERT_FALSE(clients.empty());
  for (const auto &client : clients) {
    auto want = reference_sequence(records, facts, client);
    auto got = pvpd_sequence(result, records, facts, client);
    EXPECT_EQ(got, want) << scenario << ", client " << client << "\npvpd delivered:\n"
                         << describe(got) << "reference delivered (filtered):\n"
                         << describe(want);
  }
}

INSTANTIATE_TEST_SUITE_P(Compatible, TranscriptReference,
                         ::testing::ValuesIn(std::vector<std::string>(std::begin(kCompatible),
                                                                      std::end(kCompatible))),
                         scenario_name);

// ---------------------------------------------------------------------------------------------
// Engine findings from reviewing the goldens. Disabled until the router is fixed; each names the
// code and the expected behaviour.
// ---------------------------------------------------------------------------------------------

// router_streams.cpp handle_thinking(): for visible_to "approvers_only" the audience is
// approvers only, without the agent itself, while an array visible_to adds the agent
// (a.ids.push_back(agent)). The agent therefore gets no echo of its own approvers-only stream
// (s02 golden: "agent" receives no thinking.* frames) although every other frame it sends is
// echoed to it. Expected: the agent receives its own thinking.start/chunk/end.
TEST(TranscriptFindings, ApproversOnlyThinkingIsEchoedToTheAgent) {
  using H = ProtocolHarness;
  H h;
  auto alice = h.connect();
  h.send(alice, H::create("s1", "alice"));
  h.send(alice, H::join("s1", "alice", "human", R"(["driver","approver"])"));
  auto agent = h.join_as("s1", "agent", "agent", R"(["navigator"])");
  h.clear_all();
  h.send(agent, H::frame("thinking.start", "s1", "agent",
                         R"({"agent":"agent","prompt_ref":"p","visible_to":"approvers_only"})"));
  h.send(agent, H::frame("thinking.chunk", "s1", "agent", R"({"text":"x"})"));
  EXPECT_EQ(h.types(alice), (std::vector<std::string>{"thinking.start", "thinking.chunk"}));
  EXPECT_EQ(h.types(agent), (std::vector<std::string>{"thinking.start", "thinking.chunk"}));
}

// router_streams.cpp handle_context(): the envelope `fork` is used as the audience without
// checking that the fork exists (handle_relay() refuses an unknown fork with INVALID_STATE). A
// context.add with a misspelt fork is accepted, stored and recorded with a seq, and delivered to
// nobody, the sender included. Expected: INVALID_STATE "fork '...' does not exist", as for relays.
TEST(TranscriptFindings, ContextForUnknownForkIsRefused) {
  using H = ProtocolHarness;
  H h;
  auto alice = h.connect();
  h.send(alice, H::create("s1", "alice"));
  h.send(alice, H::join("s1", "alice", "human", R"(["driver"])"));
  h.clear_all();
  uint64_t before = h.router().last_seq("s1");
  h.send(alice,
         H::frame("context.add", "s1", "alice",
                  R"({"key":"k","content_type":"text","content":"x"})", R"(,"fork":"fork-nope")"));
  auto got = h.take(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "error");
  EXPECT_EQ(got[0].str("code"), "INVALID_STATE");
  EXPECT_EQ(h.router().last_seq("s1"), before) << "a refused frame must not be recorded";
}

}  // namespace
}  // namespace pvpd::testing
