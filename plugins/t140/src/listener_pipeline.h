// Everything one listener does with a datagram after recv, without sockets or the host:
// source checks (allow-list, per-address rate limit), RTP/RED parsing, demultiplexing into
// streams (SSRC, SSRC+CSRC, SSRC+t140llm prefix), sequence tracking, T.140 decoding and
// chunking, and stream lifetime. Results go to a SpeakerSink (the plugin's host adapter, or a
// recorder in tests). Time is passed in (ms), so tests drive it with a fake clock.
//
// THREAD: one thread (the plugin's listener thread) owns a pipeline. OWNERSHIP: the pipeline
// owns its stream state; Counters and SpeakerSink are borrowed and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "counters.h"
#include "options.h"
#include "sequence_tracker.h"
#include "srtp_receiver.h"
#include "t140_decoder.h"
#include "transcript_buffer.h"

namespace pvpd::t140 {

// A virtual participant: one stream of one listener.
struct SpeakerInfo {
  uint64_t handle = 0;  // unique per pipeline
  std::string listener;
  std::string participant_id;
  std::string name;
  std::vector<std::string> roles;
  std::string stream;  // "ssrc-1c129b83", "ssrc-11223344+csrc-1", "ssrc-11223344+alice"
  std::string source;  // "t140:<listener>/<stream>"
  std::string peer;    // "127.0.0.1:43214"
  bool loopback = false;
};

class SpeakerSink {
 public:
  virtual ~SpeakerSink() = default;
  virtual void open(const SpeakerInfo &speaker) = 0;
  virtual void chunk(const SpeakerInfo &speaker, const Chunk &chunk) = 0;
  virtual void close(const SpeakerInfo &speaker) = 0;
};

struct PeerAddress {
  int family = 0;  // AF_INET / AF_INET6
  unsigned char bytes[16] = {};
  uint16_t port = 0;
  std::string ip;  // text form
  bool loopback = false;
};

class ListenerPipeline {
 public:
  ListenerPipeline(ListenerSettings settings, Counters *counters, SpeakerSink *sink);
  ~ListenerPipeline();
  ListenerPipeline(const ListenerPipeline &) = delete;
  ListenerPipeline &operator=(const ListenerPipeline &) = delete;

  void on_datagram(std::string_view bytes, const PeerAddress &peer, uint64_t now_ms);
  // Runs reorder deadlines, chunk flushes and stream expiry.
  void poll(uint64_t now_ms);
  // Flushes and closes every stream (stop).
  void close_all();
  std::size_t stream_count() const { return speakers_.size(); }
  const ListenerSettings &settings() const { return settings_; }

 private:
  struct Speaker;
  struct Source;
  struct Bucket {
    double tokens = 0;
    uint64_t last_ms = 0;
  };

  bool admit(const PeerAddress &peer, uint64_t now_ms);
  Source *find_or_create_source(const PeerAddress &peer, uint32_t ssrc, uint64_t now_ms);
  // Tag for a sub-stream name of a source ("" = the SSRC-level stream).
  uint32_t tag_for(Source &src, const std::string &sub);
  Speaker *speaker_for(Source &src, uint32_t tag, uint64_t now_ms);
  void deliver(Source &src, std::vector<OrderedBlock> &blocks, uint64_t now_ms);
  void add_seq_stats(const SequenceStats &s);
  void flush_speaker(Speaker &sp, uint64_t now_ms, bool all);
  void close_speaker(Speaker &sp);
  std::string unique_id(const std::string &wanted) const;

  ListenerSettings settings_;
  Counters *counters_;
  SpeakerSink *sink_;
  uint64_t next_handle_ = 1;
  std::map<std::string, std::unique_ptr<Source>> sources_;  // key: ip|port|ssrc
  std::map<uint64_t, std::unique_ptr<Speaker>> speakers_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::unique_ptr<SrtpReceiver> srtp_;  // set when the listener has an SRTP key
  bool srtp_broken_ = false;            // a key was configured but libsrtp refused it
  std::string plain_;                   // decrypted datagram
};

}  // namespace pvpd::t140
