// The per-listener receive pipeline; see listener_pipeline.h and research/t140.md §1.7.
#include "listener_pipeline.h"

#include <sys/socket.h>
#include <algorithm>

#include <cstdio>

#include "red.h"
#include "rtp_packet.h"

namespace pvpd::t140 {
namespace {

constexpr std::size_t kMaxBuckets = 4096;
constexpr std::size_t kMaxPrefix = 64;
constexpr char kRecordSeparator = '\x1e';

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// Participant ids built from wire data keep to a safe alphabet.
std::string sanitize_id(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

// t140llm's multiplexer prefix: "<id>\x1e<text>". The id is 1..64 printable bytes.
bool split_prefix(std::string_view data, std::string *id, std::string_view *text) {
  std::size_t rs = data.find(kRecordSeparator);
  if (rs == std::string_view::npos || rs == 0 || rs > kMaxPrefix) {
    return false;
  }
  for (std::size_t i = 0; i < rs; ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x20 || c == 0x7f) {
      return false;
    }
  }
  *id = std::string(data.substr(0, rs));
  *text = data.substr(rs + 1);
  return true;
}

}  // namespace

struct ListenerPipeline::Speaker {
  SpeakerInfo info;
  T140Decoder decoder;
  TranscriptBuffer buffer;
  uint64_t last_activity_ms = 0;
  bool finished = true;  // the decoder has no held bytes since the last idle
  uint64_t reported_ignored_backspaces = 0;
  Source *source = nullptr;
  uint32_t tag = 0;
  explicit Speaker(ChunkPolicy p) : buffer(p) {}
};

struct ListenerPipeline::Source {
  std::string key;
  PeerAddress peer;
  uint32_t ssrc = 0;
  SequenceTracker tracker;
  uint64_t last_packet_ms = 0;
  std::vector<std::string> tag_names{""};       // tag -> sub-stream name
  std::map<uint32_t, uint64_t> speaker_by_tag;  // tag -> speaker handle
  explicit Source(SequenceOptions o) : tracker(o) {}
};

ListenerPipeline::ListenerPipeline(ListenerSettings settings, Counters *counters, SpeakerSink *sink)
    : settings_(std::move(settings)), counters_(counters), sink_(sink) {
  if (!settings_.srtp_key.empty()) {
    std::string error;
    srtp_ = SrtpReceiver::create(settings_.srtp_profile, settings_.srtp_key, &error);
    srtp_broken_ = srtp_ == nullptr;  // fail closed: never fall back to plain RTP
  }
}

ListenerPipeline::~ListenerPipeline() = default;

bool ListenerPipeline::admit(const PeerAddress &peer, uint64_t now_ms) {
  if (!settings_.allow_from.empty()) {
    bool ok = std::any_of(
        settings_.allow_from.begin(), settings_.allow_from.end(),
        [&](const AddressRule &r) { return address_matches(r, peer.family, peer.bytes); });
    if (!ok) {
      Counters::add(counters_->drop_not_allowed);
      return false;
    }
  }
  if (settings_.rate_per_second <= 0) {
    return true;
  }
  auto it = buckets_.find(peer.ip);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) {
      // Forget idle addresses first; a full table of active ones is reset (bounded memory).
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        b = now_ms > b->second.last_ms + 10000 ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= kMaxBuckets) {
        buckets_.clear();
      }
    }
    it = buckets_.emplace(peer.ip, Bucket{settings_.rate_burst, now_ms}).first;
  }
  Bucket &b = it->second;
  b.tokens = std::min(settings_.rate_burst,
                      b.tokens + static_cast<double>(now_ms - std::min(now_ms, b.last_ms)) *
                                     settings_.rate_per_second / 1000.0);
  b.last_ms = now_ms;
  if (b.tokens < 1.0) {
    Counters::add(counters_->drop_rate_limited);
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

ListenerPipeline::Source *ListenerPipeline::find_or_create_source(const PeerAddress &peer,
                                                                  uint32_t ssrc, uint64_t now_ms) {
  // The source port is part of the key: a restarted sender gets a new port, and so a clean
  // new stream even with a fixed SSRC (research/t140.md §1.4).
  std::string key = peer.ip + "|" + std::to_string(peer.port) + "|" + hex32(ssrc);
  auto it = sources_.find(key);
  if (it != sources_.end()) {
    return it->second.get();
  }
  if (sources_.size() >= settings_.max_streams) {
    return nullptr;
  }
  auto src = std::make_unique<Source>(settings_.sequence);
  src->key = key;
  src->peer = peer;
  src->ssrc = ssrc;
  src->last_packet_ms = now_ms;
  Source *raw = src.get();
  sources_.emplace(key, std::move(src));
  return raw;
}

uint32_t ListenerPipeline::tag_for(Source &src, const std::string &sub) {
  for (uint32_t i = 0; i < src.tag_names.size(); ++i) {
    if (src.tag_names[i] == sub) {
      return i;
    }
  }
  if (src.tag_names.size() >= settings_.max_streams + 1) {
    return 0;  // too many sub-streams: attribute to the SSRC-level stream
  }
  src.tag_names.push_back(sub);
  return static_cast<uint32_t>(src.tag_names.size() - 1);
}

std::string ListenerPipeline::unique_id(const std::string &wanted) const {
  auto taken = [&](const std::string &id) {
    return std::any_of(speakers_.begin(), speakers_.end(),
                       [&](const auto &s) { return s.second->info.participant_id == id; });
  };
  if (!taken(wanted)) {
    return wanted;
  }
  for (int i = 2;; ++i) {
    std::string id = wanted + "-" + std::to_string(i);
    if (!taken(id)) {
      return id;
    }
  }
}

ListenerPipeline::Speaker *ListenerPipeline::speaker_for(Source &src, uint32_t tag,
                                                         uint64_t now_ms) {
  if (auto it = src.speaker_by_tag.find(tag); it != src.speaker_by_tag.end()) {
    return speakers_.at(it->second).get();
  }
  if (speakers_.size() >= settings_.max_streams) {
    return nullptr;
  }
  const std::string &sub = src.tag_names[tag];
  SpeakerInfo info;
  info.handle = next_handle_++;
  info.listener = settings_.name;
  info.stream = "ssrc-" + hex32(src.ssrc);
  std::vector<std::string> keys;
  std::string auto_id = settings_.auto_name_prefix + hex32(src.ssrc);
  if (!sub.empty()) {
    info.stream += "+" + sub;
    if (sub.rfind("csrc-", 0) == 0) {
      keys.push_back("csrc:" + sub.substr(5));
      auto_id = settings_.auto_name_prefix + hex32(src.ssrc) + "-" + sub;
    } else {
      keys.push_back("prefix:" + sub);
      auto_id = settings_.auto_name_prefix + sanitize_id(sub);
    }
  }
  keys.push_back("ssrc:" + hex32(src.ssrc));
  keys.push_back("source:" + src.peer.ip);
  keys.push_back("*");
  const ParticipantRule *rule = nullptr;
  for (const std::string &k : keys) {
    for (const ParticipantRule &r : settings_.participants) {
      if (rule == nullptr && r.stream == k) {
        rule = &r;
      }
    }
  }
  if (rule != nullptr) {
    info.participant_id = unique_id(rule->id);
    info.name = rule->name;
    info.roles = rule->roles;
  } else {
    info.participant_id = unique_id(auto_id);
    info.name = info.participant_id;
    info.roles = settings_.default_roles;
  }
  info.source = "t140:" + settings_.name + "/" + info.stream;
  info.peer = src.peer.family == AF_INET6 ? "[" + src.peer.ip + "]:" + std::to_string(src.peer.port)
                                          : src.peer.ip + ":" + std::to_string(src.peer.port);
  info.loopback = src.peer.loopback;
  auto sp = std::make_unique<Speaker>(settings_.chunking);
  sp->info = std::move(info);
  sp->source = &src;
  sp->tag = tag;
  sp->last_activity_ms = now_ms;
  Speaker *raw = sp.get();
  src.speaker_by_tag[tag] = raw->info.handle;
  speakers_.emplace(raw->info.handle, std::move(sp));
  Counters::add(counters_->streams_created);
  sink_->open(raw->info);
  return raw;
}

void ListenerPipeline::add_seq_stats(const SequenceStats &s) {
  Counters::add(counters_->drop_duplicate, s.duplicates);
  Counters::add(counters_->drop_late, s.late);
  Counters::add(counters_->gaps, s.gaps);
  Counters::add(counters_->lost_packets, s.lost_packets);
  Counters::add(counters_->recovered_by_red, s.recovered);
  Counters::add(counters_->seq_restarts, s.restarts);
}

void ListenerPipeline::on_datagram(std::string_view bytes, const PeerAddress &peer,
                                   uint64_t now_ms) {
  Counters::add(counters_->packets);
  Counters::add(counters_->bytes, bytes.size());
  if (!admit(peer, now_ms)) {
    return;
  }
  RtpPacket pkt;
  RtpError err = parse_rtp(bytes, &pkt);
  if (err == RtpError::kNone && (srtp_ || srtp_broken_)) {
    // The header is in clear: it was checked above; now authenticate and decrypt.
    if (srtp_broken_) {
      Counters::add(counters_->drop_srtp_auth);
      return;
    }
    plain_.assign(bytes);
    SrtpOutcome outcome = srtp_->unprotect(&plain_);
    if (outcome == SrtpOutcome::kReplay) {
      Counters::add(counters_->drop_srtp_replay);
      return;
    }
    if (outcome != SrtpOutcome::kOk) {
      Counters::add(counters_->drop_srtp_auth);
      return;
    }
    err = parse_rtp(plain_, &pkt);
  }
  if (err == RtpError::kRtcp) {
    Counters::add(counters_->drop_rtcp);
    return;
  }
  if (err != RtpError::kNone) {
    Counters::add(counters_->drop_malformed);
    return;
  }
  // Other payload types (t140llm's FEC PT 97 reuses the next text packet's seq) never reach
  // the sequence logic.
  if (pkt.payload_type != settings_.t140_pt && pkt.payload_type != settings_.red_pt) {
    Counters::add(counters_->drop_payload_type);
    return;
  }
  Source *src = find_or_create_source(peer, pkt.ssrc, now_ms);
  if (src == nullptr) {
    Counters::add(counters_->drop_stream_limit);
    return;
  }
  src->last_packet_ms = now_ms;
  std::vector<SeqItem> items;
  std::vector<std::string> prefixes;  // owned sub-stream names, parallel to items
  if (pkt.payload_type == settings_.t140_pt) {
    items.push_back(SeqItem{0, pkt.payload, 0});
  } else {
    RedOptions ro;
    ro.t140_pt = settings_.t140_pt;
    ro.red_pt = settings_.red_pt;
    ro.t140llm_compat = settings_.t140llm_compat;
    const uint16_t seq = pkt.seq;
    RedResult red = decode_red(pkt.payload, ro, [&](uint32_t distance) {
      return src->tracker.recent_primary(static_cast<uint16_t>(seq - distance));
    });
    if (red.error != RedError::kNone) {
      Counters::add(counters_->drop_red);
      return;
    }
    Counters::add(counters_->red_ignored_blocks, red.ignored_blocks);
    Counters::add(counters_->compat_red_resplit, red.compat_resplits);
    if (red.compat_layout) {
      Counters::add(counters_->compat_red_layout);
    }
    for (const RedBlock &b : red.blocks) {
      items.push_back(SeqItem{b.distance, b.data, 0});
    }
  }
  // Demultiplexing. RED packets lose t140llm's CSRC (F10), so in csrc mode they stay at the
  // SSRC level; prefixes survive inside blocks, so prefix mode reads every block.
  for (SeqItem &item : items) {
    if (settings_.demux == Demux::kSsrcCsrc) {
      if (pkt.payload_type == settings_.t140_pt && pkt.csrc_count > 0) {
        item.tag = tag_for(*src, "csrc-" + std::to_string(pkt.csrc[0]));
      } else if (pkt.payload_type == settings_.red_pt) {
        Counters::add(counters_->mux_red_unattributed);
      }
    } else if (settings_.demux == Demux::kSsrcPrefix) {
      std::string id;
      std::string_view text;
      if (split_prefix(item.data, &id, &text)) {
        item.tag = tag_for(*src, id);
        item.data = text;
      } else if (pkt.payload_type == settings_.red_pt && !item.data.empty()) {
        Counters::add(counters_->mux_red_unattributed);
      }
    }
  }
  std::vector<OrderedBlock> ordered;
  SequenceStats stats;
  src->tracker.add(pkt.seq, items, now_ms, &ordered, &stats);
  add_seq_stats(stats);
  deliver(*src, ordered, now_ms);
}

void ListenerPipeline::deliver(Source &src, std::vector<OrderedBlock> &blocks, uint64_t now_ms) {
  for (OrderedBlock &b : blocks) {
    Speaker *sp = speaker_for(src, b.tag, now_ms);
    if (sp == nullptr) {
      Counters::add(counters_->drop_stream_limit);
      continue;
    }
    sp->last_activity_ms = now_ms;
    if (b.loss) {
      sp->decoder.on_loss();
      sp->buffer.mark_loss(now_ms);
      Counters::add(counters_->loss_markers);
      continue;
    }
    std::vector<TextOp> ops;
    DecodeStats ds;
    sp->decoder.decode(b.data, &ops, &ds);
    Counters::add(counters_->invalid_utf8, ds.replacements);
    Counters::add(counters_->boms, ds.boms);
    Counters::add(counters_->controls_removed, ds.controls);
    for (const TextOp &op : ops) {
      if (op.backspace) {
        sp->buffer.backspace(now_ms);
      } else {
        sp->buffer.append(op.text, now_ms);
      }
    }
    sp->finished = false;
  }
  for (auto &[handle, sp] : speakers_) {
    if (sp->source == &src) {
      flush_speaker(*sp, now_ms, false);
    }
  }
}

void ListenerPipeline::flush_speaker(Speaker &sp, uint64_t now_ms, bool all) {
  if (!sp.finished && (all || now_ms >= sp.last_activity_ms + settings_.chunking.idle_flush_ms)) {
    // Idle: bytes of a split UTF-8 sequence will not be completed any more.
    std::vector<TextOp> ops;
    DecodeStats ds;
    sp.decoder.finish(&ops, &ds);
    Counters::add(counters_->invalid_utf8, ds.replacements);
    for (const TextOp &op : ops) {
      sp.buffer.append(op.text, sp.last_activity_ms);
    }
    sp.finished = true;
  }
  std::vector<Chunk> chunks;
  if (all) {
    sp.buffer.flush_all(&chunks);
  } else {
    sp.buffer.poll(now_ms, &chunks);
  }
  Counters::add(counters_->ignored_backspaces,
                sp.buffer.ignored_backspaces() - sp.reported_ignored_backspaces);
  sp.reported_ignored_backspaces = sp.buffer.ignored_backspaces();
  for (const Chunk &c : chunks) {
    Counters::add(c.revision ? counters_->revisions : counters_->flushes);
    sink_->chunk(sp.info, c);
  }
}

void ListenerPipeline::close_speaker(Speaker &sp) {
  flush_speaker(sp, 0, true);
  sink_->close(sp.info);
  sp.source->speaker_by_tag.erase(sp.tag);
}

void ListenerPipeline::poll(uint64_t now_ms) {
  for (auto &[key, src] : sources_) {
    std::vector<OrderedBlock> ordered;
    SequenceStats stats;
    src->tracker.poll(now_ms, &ordered, &stats);
    add_seq_stats(stats);
    if (!ordered.empty()) {
      deliver(*src, ordered, now_ms);
    }
  }
  for (auto it = speakers_.begin(); it != speakers_.end();) {
    Speaker &sp = *it->second;
    flush_speaker(sp, now_ms, false);
    if (now_ms >= sp.last_activity_ms + settings_.stream_timeout_ms) {
      close_speaker(sp);
      Counters::add(counters_->streams_expired);
      it = speakers_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = sources_.begin(); it != sources_.end();) {
    Source &src = *it->second;
    if (src.speaker_by_tag.empty() && now_ms >= src.last_packet_ms + settings_.stream_timeout_ms) {
      it = sources_.erase(it);
    } else {
      ++it;
    }
  }
}

void ListenerPipeline::close_all() {
  for (auto &[handle, sp] : speakers_) {
    close_speaker(*sp);
  }
  speakers_.clear();
  sources_.clear();
}

}  // namespace pvpd::t140
