// Transcript replay: drives the Router with a reference-server capture and records what pvpd
// delivers, for the golden-transcript tests (issue #3, "Tests").
//
// A capture (tests/fixtures/protocol/*.jsonl, see its README) is a list of records: client
// `send`s, the reference server's `recv`s, connection `event`s (open/close) and `note`s. The
// replay feeds the sends and events, in capture order, to a ProtocolHarness whose fake clock
// follows each record's t_ms (ticking the router every 500 ms of capture time, as Core does), and
// collects every frame each client's connection received. The reference's `recv` records are
// not used to drive anything; they are what the comparison in transcript_test.cpp reads.
//
// Normalization makes the output stable and reviewable: ids (ULIDs, in any string) become
// <id1>, <id2>... by first appearance, fork ids <fork1>..., timestamps <ts>, digests <digest>,
// and the announced working directory <wd>. Session ids and participant ids come from the
// capture and are kept verbatim.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "session/router.h"

namespace pvpd::testing {

// One line of a capture. `frame_json` is the frame re-serialized compactly (send/recv records
// whose `frame` is a JSON value); `raw` the text of a send that was not a JSON object.
struct TranscriptRecord {
  size_t index = 0;
  uint64_t t_ms = 0;
  std::string client;
  std::string dir;    // send | recv | event | note (others, e.g. http, are kept but ignored)
  std::string event;  // open | close, for dir == event
  std::string text;   // note text
  bool has_frame = false;
  bool has_raw = false;
  std::string frame_json;
  std::string raw;
  // From the frame when it is an object (empty otherwise).
  std::string type, sender, id, session, ts;
};

std::vector<TranscriptRecord> load_transcript(const std::string &path);

// One frame pvpd delivered to a client's connection. `cause` is the index of the record whose
// replay (or the clock advance up to it) produced it.
struct ReceivedFrame {
  std::string client;
  std::string json;
  size_t cause = 0;
};

struct ReplayResult {
  std::vector<ReceivedFrame> received;  // in replay order; within one step by connection order
};

// Replays `records` into a fresh Router configured with `options`. The fake clock starts at the
// capture's own wall-clock time (from the first client frame's ts), so timestamps, expiries and
// heartbeat rounds follow the capture. A note starting with "sending SIGTERM" (s15) calls
// Router::shutdown("Server shutdown"), as the daemon does on SIGTERM before closing sockets.
ReplayResult replay_transcript(const std::vector<TranscriptRecord> &records,
                               const session::RouterOptions &options);

// Rewrites volatile values (see the header comment). One Normalizer per golden file, so ids are
// numbered by first appearance across the whole file.
class Normalizer {
 public:
  // `protected_ids`: strings kept verbatim even where they contain a ULID (session ids).
  explicit Normalizer(std::vector<std::string> protected_ids)
      : protected_(std::move(protected_ids)) {}
  // The normalized compact JSON of `json` (returned unchanged if it is not JSON).
  std::string frame(const std::string &json);
  // A single string value.
  std::string value(const std::string &s);

 private:
  std::string ulids(const std::string &s);
  std::vector<std::string> protected_;
  std::map<std::string, std::string> ids_;
  std::map<std::string, std::string> forks_;
};

// Every session id named by a client frame of the capture.
std::vector<std::string> session_ids(const std::vector<TranscriptRecord> &records);

// The golden file text: one {"client":..,"frame":..} line per received frame.
std::string golden_text(const ReplayResult &result, const std::vector<TranscriptRecord> &records);

}  // namespace pvpd::testing
