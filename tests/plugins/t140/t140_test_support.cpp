// Fixture loading and replay driver (see t140_test_support.h).
#include "t140_test_support.h"

#include <rapidjson/document.h>
#include <sys/socket.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pvpd::t140::testing {

std::string fixture_path(const std::string &name) {
  const char *src = std::getenv("PVPD_SOURCE_DIR");
  std::string root = src != nullptr ? src : PVPD_T140_SOURCE_DIR;
  return root + "/tests/fixtures/t140/" + name;
}

std::string unhex(const std::string &hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

namespace {

std::vector<std::string> lines(const std::string &name) {
  std::ifstream in(fixture_path(name));
  if (!in) {
    throw std::runtime_error("missing fixture " + fixture_path(name));
  }
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

std::string get(const rapidjson::Value &v, const char *key) {
  auto it = v.FindMember(key);
  return it == v.MemberEnd() || !it->value.IsString()
             ? std::string()
             : std::string(it->value.GetString(), it->value.GetStringLength());
}

// "t=0.6 s" in a vector's note gives its arrival time.
double note_time(const std::string &note) {
  std::size_t t = note.find("t=");
  if (t == std::string::npos) {
    return -1;
  }
  return std::atof(note.c_str() + t + 2) * 1000.0;
}

}  // namespace

std::vector<Datagram> load_capture(const std::string &name) {
  std::vector<Datagram> out;
  for (const std::string &line : lines(name)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    out.push_back(Datagram{unhex(get(d, "hex")), d["t_ms"].GetDouble(), ""});
  }
  return out;
}

std::map<std::string, Vector> load_vectors() {
  std::map<std::string, Vector> out;
  for (const std::string &line : lines("handcrafted-vectors.jsonl")) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    Vector v;
    v.name = get(d, "name");
    v.expect = get(d, "expect");
    for (const auto &p : d["packets"].GetArray()) {
      std::string note = get(p, "note");
      v.packets.push_back(Datagram{unhex(get(p, "hex")), note_time(note), note});
    }
    out[v.name] = std::move(v);
  }
  return out;
}

std::map<std::string, std::string> RecordingSink::texts() const {
  std::map<std::string, std::map<uint64_t, std::string>> by_index;
  for (const Event &e : events) {
    if (e.kind == Event::kChunk) {
      by_index[e.speaker.participant_id][e.chunk.index] = e.chunk.text;
    }
  }
  std::map<std::string, std::string> out;
  for (const auto &[id, chunks] : by_index) {
    std::string all;
    for (const auto &[index, text] : chunks) {
      if (!all.empty()) {
        all += " ";
      }
      all += text;
    }
    out[id] = all;
  }
  return out;
}

std::vector<Chunk> RecordingSink::chunks_of(const std::string &participant) const {
  std::vector<Chunk> out;
  for (const Event &e : events) {
    if (e.kind == Event::kChunk && e.speaker.participant_id == participant) {
      out.push_back(e.chunk);
    }
  }
  return out;
}

int RecordingSink::count(Event::Kind k) const {
  int n = 0;
  for (const Event &e : events) {
    n += e.kind == k ? 1 : 0;
  }
  return n;
}

ListenerSettings whole_text_settings() {
  ListenerSettings s;
  s.name = "test";
  s.chunking.settle_ms = 1000000000;
  s.chunking.idle_flush_ms = 1000000000;
  s.chunking.max_chunk_bytes = 1 << 20;
  s.stream_timeout_ms = 2000000000;
  s.rate_per_second = 0;
  return s;
}

PeerAddress loopback_peer(uint16_t port) {
  PeerAddress p;
  p.family = AF_INET;
  p.bytes[0] = 127;
  p.bytes[3] = 1;
  p.port = port;
  p.ip = "127.0.0.1";
  p.loopback = true;
  return p;
}

void Replay::run(const std::vector<Datagram> &packets, double step_ms, uint64_t tail_ms,
                 bool close) {
  ListenerPipeline pipeline(settings, &counters, &sink);
  uint64_t now = 1000;
  const uint64_t origin = now;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Datagram &d = packets[i];
    uint64_t at =
        origin + static_cast<uint64_t>(d.t_ms >= 0 ? d.t_ms : static_cast<double>(i) * step_ms);
    for (; now + 10 < at; now += 10) {
      pipeline.poll(now);
    }
    now = std::max(now, at);
    pipeline.poll(now);
    pipeline.on_datagram(d.bytes, loopback_peer(), now);
  }
  for (uint64_t end = now + tail_ms; now < end; now += 10) {
    pipeline.poll(now);
  }
  if (close) {
    pipeline.close_all();
  }
}

}  // namespace pvpd::t140::testing
