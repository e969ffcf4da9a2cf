// Test support for the T.140 plugin's unit tests: fixture loading (hex datagrams from the
// research captures and hand-crafted vectors in tests/fixtures/t140/), a recording SpeakerSink,
// and a driver that replays datagrams through a ListenerPipeline on a fake clock.
//
// THREAD: single test thread. OWNERSHIP: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "counters.h"
#include "listener_pipeline.h"
#include "options.h"

namespace pvpd::t140::testing {

struct Datagram {
  std::string bytes;
  double t_ms = -1;  // arrival time when the fixture records one
  std::string note;
};

struct Vector {
  std::string name;
  std::string expect;
  std::vector<Datagram> packets;
};

std::string fixture_path(const std::string &name);
std::string unhex(const std::string &hex);
// A capture (.jsonl of {i, t_ms, from, len, hex}).
std::vector<Datagram> load_capture(const std::string &name);
// The hand-crafted vectors, by name.
std::map<std::string, Vector> load_vectors();

struct Event {
  enum Kind { kOpen, kChunk, kClose } kind;
  SpeakerInfo speaker;
  Chunk chunk;
};

class RecordingSink final : public SpeakerSink {
 public:
  void open(const SpeakerInfo &s) override { events.push_back({Event::kOpen, s, {}}); }
  void chunk(const SpeakerInfo &s, const Chunk &c) override {
    events.push_back({Event::kChunk, s, c});
  }
  void close(const SpeakerInfo &s) override { events.push_back({Event::kClose, s, {}}); }

  // Final text per participant: chunks joined by " ", a revision replacing its chunk.
  std::map<std::string, std::string> texts() const;
  std::vector<Chunk> chunks_of(const std::string &participant) const;
  int count(Event::Kind k) const;

  std::vector<Event> events;
};

// A listener whose chunking never cuts (one chunk per stream, on close), so output compares to
// a whole expected text.
ListenerSettings whole_text_settings();

// Replays datagrams: each at its recorded time (or `step_ms` apart), polling the pipeline at
// every packet and every 10 ms between, then `tail_ms` more, then closes every stream.
struct Replay {
  ListenerSettings settings = whole_text_settings();
  Counters counters;
  RecordingSink sink;
  void run(const std::vector<Datagram> &packets, double step_ms = 100, uint64_t tail_ms = 3000,
           bool close = true);
};

PeerAddress loopback_peer(uint16_t port = 40000);

}  // namespace pvpd::t140::testing
