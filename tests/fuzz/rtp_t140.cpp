// Fuzz target: the T.140 plugin's receive path for untrusted UDP bytes: RTP header parsing, RED
// decoding (RFC and t140llm layouts), and the whole listener pipeline (sequence tracking,
// T.140 decoding, chunking) over a sequence of datagrams. The input is split into datagrams at
// each "\xff\xfe\xfd" marker; the byte after a marker advances the fake clock.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "listener_pipeline.h"
#include "red.h"
#include "rtp_packet.h"

namespace {

class NullSink final : public pvpd::t140::SpeakerSink {
 public:
  void open(const pvpd::t140::SpeakerInfo &) override {}
  void chunk(const pvpd::t140::SpeakerInfo &, const pvpd::t140::Chunk &c) override {
    // Every chunk must be valid UTF-8 without NUL: it goes into JSON.
    for (std::size_t i = 0; i < c.text.size(); ++i) {
      if (c.text[i] == '\0') {
        __builtin_trap();
      }
    }
  }
  void close(const pvpd::t140::SpeakerInfo &) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  pvpd::t140::RtpPacket pkt;
  if (pvpd::t140::parse_rtp(in, &pkt) == pvpd::t140::RtpError::kNone) {
    pvpd::t140::RedOptions o;
    (void)pvpd::t140::decode_red(pkt.payload, o);
    o.t140llm_compat = true;
    (void)pvpd::t140::decode_red(
        pkt.payload, o, [&](uint32_t) { return std::optional<std::string_view>(pkt.payload); });
  }

  pvpd::t140::ListenerSettings s;
  s.name = "fuzz";
  s.t140llm_compat = size > 0 && (data[0] & 1) != 0;
  s.demux = size > 0 && (data[0] & 2) != 0 ? pvpd::t140::Demux::kSsrcPrefix
                                           : pvpd::t140::Demux::kSsrcCsrc;
  s.chunking.max_chunk_bytes = 64;
  s.rate_per_second = 0;
  s.max_streams = 8;
  pvpd::t140::Counters counters;
  NullSink sink;
  pvpd::t140::ListenerPipeline pipeline(s, &counters, &sink);
  pvpd::t140::PeerAddress peer;
  peer.family = 2;
  peer.ip = "127.0.0.1";
  peer.port = 5000;
  uint64_t now = 1000;
  std::size_t start = 0;
  while (start <= in.size()) {
    std::size_t mark = in.find("\xff\xfe\xfd", start);
    std::string_view dgram =
        in.substr(start, mark == std::string_view::npos ? in.npos : mark - start);
    pipeline.on_datagram(dgram, peer, now);
    if (mark == std::string_view::npos) {
      break;
    }
    start = mark + 3;
    if (start < in.size()) {
      now += static_cast<uint8_t>(in[start]) * 20u;
      pipeline.poll(now);
    }
  }
  pipeline.poll(now + 5000);
  pipeline.close_all();
  return 0;
}
