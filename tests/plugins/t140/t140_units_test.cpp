// Unit tests of the T.140 plugin's pure pieces: RTP header parsing, RED decoding (RFC order,
// t140llm order and layout), T.140 decoding, grapheme handling, chunking policy, options,
// frames, and the pipeline's limits (allow-list, rate limit, stream cap).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/socket.h>

#include <algorithm>

#include "frames.h"
#include "grapheme.h"
#include "red.h"
#include "rtp_packet.h"
#include "sequence_tracker.h"
#include "t140_decoder.h"
#include "t140_test_support.h"
#include "transcript_buffer.h"

namespace pvpd::t140::testing {
namespace {

std::string rtp(uint8_t pt, uint16_t seq, uint32_t ssrc, const std::string &payload,
                uint8_t first = 0x80) {
  std::string p;
  p.push_back(static_cast<char>(first));
  p.push_back(static_cast<char>(pt));
  p.push_back(static_cast<char>(seq >> 8));
  p.push_back(static_cast<char>(seq & 0xff));
  p.append(4, '\0');
  for (int s = 24; s >= 0; s -= 8) {
    p.push_back(static_cast<char>((ssrc >> s) & 0xff));
  }
  return p + payload;
}

TEST(RtpPacket, ParsesHeaderFields) {
  RtpPacket pkt;
  std::string d = unhex("81e0fffe0000000a0a0b0c0d0000001148692e");
  ASSERT_EQ(parse_rtp(d, &pkt), RtpError::kNone);
  EXPECT_TRUE(pkt.marker);
  EXPECT_EQ(pkt.payload_type, 96);
  EXPECT_EQ(pkt.seq, 0xfffe);
  EXPECT_EQ(pkt.timestamp, 10u);
  EXPECT_EQ(pkt.ssrc, 0x0a0b0c0du);
  ASSERT_EQ(pkt.csrc_count, 1);
  EXPECT_EQ(pkt.csrc[0], 0x11u);
  EXPECT_EQ(pkt.payload, "Hi.");
}

TEST(RtpPacket, RejectsEveryMalformedShape) {
  RtpPacket pkt;
  EXPECT_EQ(parse_rtp("", &pkt), RtpError::kTooShort);
  EXPECT_EQ(parse_rtp(unhex("80600001000000"), &pkt), RtpError::kTooShort);
  EXPECT_EQ(parse_rtp(unhex("40600001000000000a0b0c0d7631"), &pkt), RtpError::kVersion);
  EXPECT_EQ(parse_rtp(unhex("8f600001000000000a0b0c0d"), &pkt), RtpError::kCsrcOverrun);
  EXPECT_EQ(parse_rtp(unhex("90600001000000000a0b0c0dbede00c810ff000078"), &pkt),
            RtpError::kExtensionOverrun);
  EXPECT_EQ(parse_rtp(unhex("90600001000000000a0b0c0dbede"), &pkt), RtpError::kExtensionOverrun);
  EXPECT_EQ(parse_rtp(unhex("a0600001000000000a0b0c0d70616400000000"), &pkt), RtpError::kPadding);
  EXPECT_EQ(parse_rtp(unhex("a0600001000000000a0b0c0d706164000000fa"), &pkt), RtpError::kPadding);
  EXPECT_EQ(parse_rtp(unhex("80c8000600000001e0000000"), &pkt), RtpError::kRtcp);
  const std::string padded = unhex("a0600001000000000a0b0c0d70616464656400000004");
  ASSERT_EQ(parse_rtp(padded, &pkt), RtpError::kNone);
  EXPECT_EQ(pkt.payload, "padded");
}

TEST(RtpPacket, TruncatingAValidPacketNeverReadsPastTheEnd) {
  std::string d = unhex("b1e0fffe0000000a0a0b0c0d00000011bede000110ff00007661020202");
  for (std::size_t n = 0; n <= d.size(); ++n) {
    RtpPacket pkt;
    std::string copy = d.substr(0, n);  // its own allocation, so ASan sees overreads
    if (parse_rtp(copy, &pkt) == RtpError::kNone) {
      EXPECT_LE(pkt.payload.data() + pkt.payload.size(), copy.data() + copy.size());
    }
  }
}

TEST(Red, RfcOrderIsOldestFirst) {
  // Two generations, oldest first (offsets 600 then 300), then the primary.
  std::string payload = unhex("e0096002e004b00260") + "aabbcc";
  RedResult r = decode_red(payload, RedOptions{});
  ASSERT_EQ(r.error, RedError::kNone);
  ASSERT_EQ(r.blocks.size(), 3u);
  EXPECT_FALSE(r.newest_first);
  EXPECT_EQ(r.blocks[0].distance, 2u);
  EXPECT_EQ(r.blocks[0].data, "aa");
  EXPECT_EQ(r.blocks[1].distance, 1u);
  EXPECT_EQ(r.blocks[1].data, "bb");
  EXPECT_EQ(r.blocks[2].distance, 0u);
  EXPECT_EQ(r.blocks[2].data, "cc");
}

TEST(Red, T140llmOrderIsDetectedFromIncreasingOffsets) {
  // rtp-red #2: gen0 = previous packet ("Café"), gen1 = the one before ("Hello world. ").
  std::string payload = unhex("e000a005e001400d60") + "Caf\xc3\xa9" + "Hello world. " + " au";
  RedResult r = decode_red(payload, RedOptions{});
  ASSERT_EQ(r.error, RedError::kNone);
  EXPECT_TRUE(r.newest_first);
  ASSERT_EQ(r.blocks.size(), 3u);
  EXPECT_EQ(r.blocks[0].distance, 2u);
  EXPECT_EQ(r.blocks[0].data, "Hello world. ");
  EXPECT_EQ(r.blocks[1].distance, 1u);
  EXPECT_EQ(r.blocks[1].data, "Caf\xc3\xa9");
}

TEST(Red, MalformedPayloads) {
  RedOptions o;
  EXPECT_EQ(decode_red(unhex("e000"), o).error, RedError::kTruncatedHeader);
  EXPECT_EQ(decode_red(unhex("e00013ff6073686f7274"), o).error, RedError::kBlockOverrun);
  EXPECT_EQ(decode_red(unhex("e0000400e0000800"), o).error, RedError::kTruncatedHeader);
  EXPECT_EQ(
      decode_red(
          unhex("e0000400e0000400e0000400e0000400e0000400e0000400e0000400e0000400e000040060"), o)
          .error,
      RedError::kTooManyBlocks);
  EXPECT_EQ(decode_red(unhex("e2000401627879"), o).error, RedError::kNestedRed);
  EXPECT_EQ(decode_red("", o).error, RedError::kTruncatedHeader);
  RedResult pt0 = decode_red(unhex("8000040100ff7f"), o);
  EXPECT_EQ(pt0.error, RedError::kNone);
  EXPECT_TRUE(pt0.blocks.empty());
  EXPECT_EQ(pt0.ignored_blocks, 2u);
}

TEST(Red, CompatLayoutOnlyWhenEnabled) {
  // t140llm with timestampIncrement 30: 16-bit offset 30 (0x001e), 8-bit length 5.
  std::string payload = unhex("e0001e0560") + "Hello" + " world";
  EXPECT_EQ(decode_red(payload, RedOptions{}).error, RedError::kBlockOverrun);
  RedOptions compat;
  compat.t140llm_compat = true;
  RedResult r = decode_red(payload, compat);
  ASSERT_EQ(r.error, RedError::kNone);
  EXPECT_TRUE(r.compat_layout);
  ASSERT_EQ(r.blocks.size(), 2u);
  EXPECT_EQ(r.blocks[0].data, "Hello");
  EXPECT_EQ(r.blocks[1].data, " world");
}

std::string decode_all(const std::vector<std::string> &blocks, DecodeStats *stats = nullptr) {
  T140Decoder d;
  std::vector<TextOp> ops;
  DecodeStats local;
  for (const std::string &b : blocks) {
    d.decode(b, &ops, stats != nullptr ? stats : &local);
  }
  d.finish(&ops, stats != nullptr ? stats : &local);
  std::string out;
  for (const TextOp &op : ops) {
    out += op.backspace ? std::string("<BS>") : op.text;
  }
  return out;
}

TEST(T140Decoder, ControlsAndEscapes) {
  EXPECT_EQ(decode_all({"a\x1b[1;31mred\x1b[0m b"}), "ared b");
  EXPECT_EQ(decode_all({"x\x1b"
                        "ay"}),
            "xy");                                                  // INT
  EXPECT_EQ(decode_all({"\xc2\x98hidden\xc2\x9cshown"}), "shown");  // SOS ... ST
  EXPECT_EQ(decode_all({"tab\there\x7f"}), "tab\there");
  EXPECT_EQ(decode_all({"a\b\bb"}), "a<BS><BS>b");
  EXPECT_EQ(decode_all({"a\r",
                        "\nb\rc\xe2\x80\xa9"
                        "d"}),
            "a\nb\nc\nd");
}

TEST(T140Decoder, Utf8Policy) {
  DecodeStats stats;
  EXPECT_EQ(decode_all({"\xe2\x82", "\xac!"}, &stats), "\xe2\x82\xac!");
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(decode_all({"\xe2\x82"}), "\xef\xbf\xbd");                  // truncated at the end
  EXPECT_EQ(decode_all({"\xc3", "x"}), "\xef\xbf\xbdx");                // broken by the next block
  EXPECT_EQ(decode_all({"\xed\xa0\x80\xed\xbf\xbf"}), "\xef\xbf\xbd");  // surrogates
  EXPECT_EQ(decode_all({"\xef\xbb\xbf"}), "");
}

TEST(Grapheme, LastClusterStart) {
  EXPECT_EQ(last_grapheme_start(""), 0u);
  EXPECT_EQ(last_grapheme_start("ab"), 1u);
  EXPECT_EQ(last_grapheme_start("ae\xcc\x81"), 1u);  // e + combining acute
  const std::string family = "x\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9";  // man ZWJ woman
  EXPECT_EQ(last_grapheme_start(family), 1u);
  const std::string thumbs = "x\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd";  // thumbs up + skin tone
  EXPECT_EQ(last_grapheme_start(thumbs), 1u);
  const std::string flags = "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa";
  EXPECT_EQ(last_grapheme_start(flags), 8u);  // FR DE: the last flag is one cluster
  EXPECT_EQ(grapheme_boundary_at_or_before("ae\xcc\x81z", 2), 1u);
  EXPECT_EQ(grapheme_boundary_at_or_before("ae\xcc\x81z", 3), 1u);
  EXPECT_EQ(grapheme_boundary_at_or_before("ae\xcc\x81z", 4), 4u);
}

std::vector<Chunk> feed(TranscriptBuffer &b, uint64_t *now, const std::string &text,
                        uint64_t advance) {
  b.append(text, *now);
  std::vector<Chunk> out;
  for (uint64_t end = *now + advance; *now < end; *now += 10) {
    b.poll(*now, &out);
  }
  return out;
}

TEST(TranscriptBuffer, SentenceFlushWaitsForTheSettleTime) {
  TranscriptBuffer b(ChunkPolicy{400, 3000, 1024});
  uint64_t now = 0;
  EXPECT_TRUE(feed(b, &now, "Hello world. Sec", 300).empty());
  auto out = feed(b, &now, "ond", 200);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Hello world.");
  out = feed(b, &now, " part", 3100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Second part");  // idle flush
  EXPECT_EQ(out[0].index, 1u);
}

TEST(TranscriptBuffer, NoBoundaryInsideNumbersAbbreviationsOrEllipses) {
  TranscriptBuffer b(ChunkPolicy{100, 3000, 1024});
  uint64_t now = 0;
  EXPECT_TRUE(feed(b, &now, "Pi is 3.", 50).empty());
  EXPECT_TRUE(feed(b, &now, "14 e.g. here Dr. Who and so", 500).empty());
  auto out = feed(b, &now, "... Next", 500);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Pi is 3.14 e.g. here Dr. Who and so...");
}

TEST(TranscriptBuffer, QuestionAndExclamationMarks) {
  TranscriptBuffer b(ChunkPolicy{100, 3000, 1024});
  uint64_t now = 0;
  auto out = feed(b, &now, "Really?! Yes. ", 500);
  ASSERT_EQ(out.size(), 2u);  // one chunk per sentence
  EXPECT_EQ(out[0].text, "Really?!");
  EXPECT_EQ(out[1].text, "Yes.");
}

TEST(TranscriptBuffer, SizeLimitNeverSplitsAGrapheme) {
  TranscriptBuffer b(ChunkPolicy{400, 3000, 16});
  uint64_t now = 0;
  std::string e = "e\xcc\x81";  // 3 bytes, one grapheme
  std::string text;
  for (int i = 0; i < 12; ++i) {
    text += e;
  }
  auto out = feed(b, &now, text, 10);
  std::vector<Chunk> rest;
  b.flush_all(&rest);
  out.insert(out.end(), rest.begin(), rest.end());
  std::string all;
  for (const Chunk &c : out) {
    EXPECT_LE(c.text.size(), 16u);
    EXPECT_EQ(c.text.size() % 3, 0u) << "cut inside a cluster";
    all += c.text;
  }
  EXPECT_EQ(all, text);
}

TEST(TranscriptBuffer, BackspacePastTheLastChunkIsIgnored) {
  TranscriptBuffer b(ChunkPolicy{100, 1000, 1024});
  uint64_t now = 0;
  ASSERT_EQ(feed(b, &now, "Hi. ", 300).size(), 1u);
  for (int i = 0; i < 5; ++i) {
    b.backspace(now);
  }
  std::vector<Chunk> out;
  b.poll(now + 2000, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].revision);
  EXPECT_EQ(out[0].text, "");
  // " " went first, then the reopened "Hi." took three; the fifth found nothing left.
  EXPECT_EQ(b.ignored_backspaces(), 1u);
}

TEST(TranscriptBuffer, LossMarksTheChunkLossy) {
  TranscriptBuffer b(ChunkPolicy{100, 1000, 1024});
  uint64_t now = 0;
  b.append("one", now);
  b.mark_loss(now);
  auto out = feed(b, &now, " two. ", 300);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].lossy);
  EXPECT_EQ(out[0].text, "one\xef\xbf\xbd two.");
}

TEST(SequenceTracker, HeldBytesAreBounded) {
  SequenceOptions o;
  o.max_buffered_bytes = 1000;
  SequenceTracker t(o);
  std::vector<OrderedBlock> out;
  SequenceStats stats;
  t.add(1, {SeqItem{0, "a", 0}}, 0, &out, &stats);
  const std::string big(600, 'b');
  t.add(3, {SeqItem{0, big, 0}}, 1, &out, &stats);  // seq 2 missing: held
  EXPECT_EQ(out.size(), 1u);
  t.add(4, {SeqItem{0, big, 0}}, 2, &out, &stats);  // over 1000 bytes held: the gap is given up
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[1].loss);
  EXPECT_EQ(out[1].lost, 1u);
  EXPECT_EQ(stats.gaps, 1u);
}

TEST(Options, DefaultsAndErrors) {
  Settings s;
  ASSERT_TRUE(parse_settings("{}", &s).empty());
  ASSERT_EQ(s.listeners.size(), 1u);
  EXPECT_EQ(s.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(s.listeners[0].port, 5004);
  EXPECT_EQ(s.listeners[0].t140_pt, 96);
  EXPECT_EQ(s.listeners[0].red_pt, 98);
  EXPECT_EQ(s.listeners[0].default_roles, std::vector<std::string>{"navigator"});
  EXPECT_EQ(s.listeners[0].sequence.reorder_wait_ms, 1000u);

  auto errs = parse_settings(
      R"({"gate_transcripts":true,"listeners":[{"demux":"x","red_pt":96,"address":"nope",)"
      R"("join_by_name":true,)"
      R"("allow_from":["10.0.0.0/33"],"participants":[{"stream":"bad","id":""}],)"
      R"("srtp":{"key":"00","profile":"AES_256"}}]})",
      &s);
  std::vector<std::string> pointers;
  for (const auto &e : errs) {
    pointers.push_back(e.pointer);
  }
  for (const char *p :
       {"/listeners/0/join_by_name", "/listeners/0/demux", "/listeners/0/red_pt",
        "/listeners/0/address", "/listeners/0/allow_from/0", "/listeners/0/participants/0/stream",
        "/listeners/0/participants/0/id", "/listeners/0/srtp/key", "/listeners/0/srtp/profile"}) {
    EXPECT_NE(std::find(pointers.begin(), pointers.end(), p), pointers.end()) << p;
  }
  // gate_transcripts is supported now, and reaches every listener.
  EXPECT_EQ(std::find(pointers.begin(), pointers.end(), "/gate_transcripts"), pointers.end());
  Settings gated;
  ASSERT_TRUE(
      parse_settings(R"({"gate_transcripts":true,"listeners":[{"name":"a"},{"name":"b"}]})", &gated)
          .empty());
  EXPECT_TRUE(gated.listeners[0].gate_transcripts);
  EXPECT_TRUE(gated.listeners[1].gate_transcripts);
}

TEST(Options, SrtpKeyIsHexOfTheProfileLength) {
  if (!srtp_available()) {
    GTEST_SKIP() << "built without libsrtp2";
  }
  Settings s;
  const std::string key30(60, 'a');
  const std::string key28(56, 'b');
  ASSERT_TRUE(parse_settings(R"({"listeners":[{"srtp":{"key":")" + key30 + R"("}}]})", &s).empty());
  EXPECT_EQ(s.listeners[0].srtp_key, std::string(30, '\xaa'));
  ASSERT_TRUE(
      parse_settings(
          R"({"listeners":[{"srtp":{"key":")" + key28 + R"(","profile":"AEAD_AES_128_GCM"}}]})", &s)
          .empty());
  EXPECT_EQ(s.listeners[0].srtp_profile, SrtpProfile::kAeadAes128Gcm);
  auto errs = parse_settings(R"({"listeners":[{"srtp":{"key":")" + key28 + R"("}}]})", &s);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].message.find(key28), std::string::npos) << "the key is never quoted";
}

TEST(Options, AddressRules) {
  AddressRule r;
  ASSERT_TRUE(parse_address_rule("10.1.0.0/16", &r));
  unsigned char in[4] = {10, 1, 200, 3};
  unsigned char out[4] = {10, 2, 0, 1};
  EXPECT_TRUE(address_matches(r, AF_INET, in));
  EXPECT_FALSE(address_matches(r, AF_INET, out));
  ASSERT_TRUE(parse_address_rule("::1", &r));
  unsigned char v6[16] = {};
  v6[15] = 1;
  EXPECT_TRUE(address_matches(r, AF_INET6, v6));
  EXPECT_FALSE(address_matches(r, AF_INET, in));
  EXPECT_FALSE(parse_address_rule("10.0.0.0/x", &r));
}

TEST(Frames, ContextAddCarriesSpeakerKeyAndFlags) {
  SpeakerInfo sp;
  sp.participant_id = "alice";
  sp.name = "Alice";
  sp.roles = {"navigator"};
  sp.stream = "ssrc-01020304";
  sp.source = "t140:main/ssrc-01020304";
  Chunk c{3, "Caf\xc3\xa9 \xef\xbf\xbd.", true, true};
  rapidjson::Document d;
  d.Parse(context_frame("s1", sp, c).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["payload"].HasMember("requires_approval"));
  rapidjson::Document gated;
  gated.Parse(context_frame("s1", sp, c, true).c_str());
  EXPECT_TRUE(gated["payload"]["requires_approval"].GetBool());
  EXPECT_STREQ(d["type"].GetString(), "context.add");
  EXPECT_STREQ(d["sender"].GetString(), "alice");
  const auto &p = d["payload"];
  EXPECT_STREQ(p["key"].GetString(), "t140/alice/ssrc-01020304/3");
  EXPECT_STREQ(p["content_type"].GetString(), "audio_transcript");
  EXPECT_STREQ(p["source"].GetString(), "t140:main/ssrc-01020304");
  EXPECT_TRUE(p["lossy"].GetBool());
  std::vector<std::string> tags;
  for (const auto &t : p["tags"].GetArray()) {
    tags.emplace_back(t.GetString());
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"transcript", "speaker:alice", "lossy", "revision"}));

  d.Parse(create_frame("s1", "Stand-up", "", sp).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["payload"]["name"].GetString(), "Stand-up");
  EXPECT_EQ(d["payload"]["config"]["max_participants"].GetInt(), 10);
  d.Parse(create_frame("s1", "", R"({"max_participants":99})", sp).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["payload"].HasMember("name"));
  EXPECT_EQ(d["payload"]["config"]["max_participants"].GetInt(), 99);

  d.Parse(join_frame("s1", sp).c_str());
  ASSERT_FALSE(d.HasParseError());
  const auto &pp = d["payload"]["participant"];
  EXPECT_STREQ(pp["type"].GetString(), "human");
  EXPECT_STREQ(pp["transport"].GetString(), "t140");
  EXPECT_STREQ(pp["roles"][0].GetString(), "navigator");
}

TEST(Pipeline, AllowListRateLimitAndStreamCap) {
  ListenerSettings s = whole_text_settings();
  AddressRule only_other;
  ASSERT_TRUE(parse_address_rule("10.0.0.0/8", &only_other));
  s.allow_from = {only_other};
  Counters counters;
  RecordingSink sink;
  {
    ListenerPipeline p(s, &counters, &sink);
    p.on_datagram(rtp(96, 1, 1, "x"), loopback_peer(), 1000);
    EXPECT_EQ(Counters::get(counters.drop_not_allowed), 1u);
    EXPECT_EQ(p.stream_count(), 0u);
  }
  s.allow_from.clear();
  s.rate_per_second = 10;
  s.rate_burst = 5;
  s.max_streams = 3;
  ListenerPipeline p(s, &counters, &sink);
  for (uint16_t i = 0; i < 100; ++i) {
    p.on_datagram(rtp(96, i, 7, "y"), loopback_peer(1), 1000);
  }
  EXPECT_EQ(Counters::get(counters.drop_rate_limited), 95u);
  // Another address is not affected by the first one's flood.
  PeerAddress other = loopback_peer(2);
  other.ip = "127.0.0.2";
  for (uint32_t ssrc = 100; ssrc < 110; ++ssrc) {
    p.on_datagram(rtp(96, 1, ssrc, "z"), other, 1000);
  }
  EXPECT_EQ(p.stream_count(), 3u);
  EXPECT_EQ(Counters::get(counters.drop_rate_limited), 95u + 5u);  // burst of 5 from `other`
  EXPECT_EQ(Counters::get(counters.drop_stream_limit), 3u);
}

}  // namespace
}  // namespace pvpd::t140::testing
