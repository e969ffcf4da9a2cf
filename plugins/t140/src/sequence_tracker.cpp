// Sequence tracking; see sequence_tracker.h.
#include "sequence_tracker.h"

#include <algorithm>

namespace pvpd::t140 {
namespace {

constexpr std::size_t kRememberLost = 256;
constexpr std::size_t kRememberPrimaries = 8;
// Only primaries a t140llm RED block can repeat are kept (its blocks fit one datagram anyway);
// the cap bounds memory per source.
constexpr std::size_t kRememberPrimaryBytes = 4096;
// Extended numbers start well above 0 so seqs just below the first one stay positive.
constexpr int64_t kBase = int64_t{1} << 32;

}  // namespace

int64_t SequenceTracker::extend(uint16_t seq) const {
  const auto diff =
      static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(highest_)));
  return highest_ + diff;
}

void SequenceTracker::reset(uint16_t seq, std::vector<OrderedBlock> *out) {
  // What the old run still held is delivered as it stands: its gaps are already lost.
  for (auto &[ext, held] : held_) {
    out->push_back(OrderedBlock{false, 0, held.recovered, std::move(held.data), held.tag});
  }
  held_.clear();
  held_bytes_ = 0;
  gap_since_ms_.reset();
  declared_lost_.clear();
  recent_primaries_.clear();
  probation_seq_.reset();
  started_ = true;
  highest_ = kBase + seq;
  next_ = highest_;
}

void SequenceTracker::remember_primary(int64_t ext, std::string_view data) {
  if (data.size() > kRememberPrimaryBytes) {
    return;
  }
  recent_primaries_.emplace_back(ext, std::string(data));
  if (recent_primaries_.size() > kRememberPrimaries) {
    recent_primaries_.pop_front();
  }
}

std::optional<std::string_view> SequenceTracker::recent_primary(uint16_t seq) const {
  if (!started_) {
    return std::nullopt;
  }
  int64_t ext = extend(seq);
  for (const auto &[e, data] : recent_primaries_) {
    if (e == ext) {
      return std::string_view(data);
    }
  }
  return std::nullopt;
}

bool SequenceTracker::add(uint16_t seq, const std::vector<SeqItem> &items, uint64_t now_ms,
                          std::vector<OrderedBlock> *out, SequenceStats *stats) {
  if (!started_ || now_ms >= last_arrival_ms_ + options_.restart_idle_ms) {
    if (started_) {
      ++stats->restarts;
    }
    reset(seq, out);
  } else {
    int64_t ext = extend(seq);
    bool wild = ext > highest_ + options_.max_dropout ||
                ext + static_cast<int64_t>(options_.max_misorder) < next_;
    if (wild) {
      // RFC 3550 A.1: a big jump is believed only when the next packet follows it (a sender
      // restart with the same SSRC); a lone one is dropped.
      if (probation_seq_ && *probation_seq_ == seq) {
        ++stats->restarts;
        // The packet that opened the new run was dropped; the run starts here.
        reset(seq, out);
      } else {
        probation_seq_ = static_cast<uint16_t>(seq + 1);
        last_arrival_ms_ = now_ms;
        return false;
      }
    }
  }
  last_arrival_ms_ = now_ms;
  probation_seq_.reset();
  const int64_t primary_ext = extend(seq);
  bool accepted = false;
  for (const SeqItem &item : items) {
    const int64_t ext = primary_ext - item.distance;
    const bool redundant = item.distance != 0;
    if (!redundant) {
      remember_primary(ext, item.data);
    }
    if (ext < next_) {
      if (!redundant) {
        bool was_lost =
            std::find(declared_lost_.begin(), declared_lost_.end(), ext) != declared_lost_.end();
        ++(was_lost ? stats->late : stats->duplicates);
      }
      continue;
    }
    auto it = held_.find(ext);
    if (it != held_.end()) {
      if (!redundant) {
        if (it->second.recovered) {
          accepted = true;  // the original arrived after its redundant copy: not a duplicate
        } else {
          ++stats->duplicates;
        }
      }
      continue;
    }
    if (redundant) {
      ++stats->recovered;
    } else {
      accepted = true;
    }
    held_bytes_ += item.data.size();
    held_.emplace(ext, Held{std::string(item.data), item.tag, redundant});
  }
  highest_ = std::max(highest_, primary_ext);
  release(out);
  if (!held_.empty() && !gap_since_ms_) {
    gap_since_ms_ = now_ms;
  }
  if (held_.size() > options_.max_buffered || held_bytes_ > options_.max_buffered_bytes) {
    poll(now_ms + options_.reorder_wait_ms, out, stats);
  }
  return accepted;
}

void SequenceTracker::release(std::vector<OrderedBlock> *out) {
  while (!held_.empty() && held_.begin()->first == next_) {
    Held &h = held_.begin()->second;
    held_bytes_ -= h.data.size();
    out->push_back(OrderedBlock{false, 0, h.recovered, std::move(h.data), h.tag});
    held_.erase(held_.begin());
    ++next_;
  }
  if (held_.empty()) {
    gap_since_ms_.reset();
  }
}

void SequenceTracker::poll(uint64_t now_ms, std::vector<OrderedBlock> *out, SequenceStats *stats) {
  while (gap_since_ms_ && now_ms >= *gap_since_ms_ + options_.reorder_wait_ms && !held_.empty()) {
    const int64_t first = held_.begin()->first;
    const auto lost = static_cast<uint32_t>(first - next_);
    for (int64_t s = next_; s < first; ++s) {
      declared_lost_.push_back(s);
      if (declared_lost_.size() > kRememberLost) {
        declared_lost_.pop_front();
      }
    }
    ++stats->gaps;
    stats->lost_packets += lost;
    out->push_back(OrderedBlock{true, lost, false, {}, held_.begin()->second.tag});
    next_ = first;
    gap_since_ms_.reset();
    release(out);
    if (!held_.empty()) {
      gap_since_ms_ = now_ms;
    }
  }
}

std::optional<uint64_t> SequenceTracker::next_deadline() const {
  if (!gap_since_ms_) {
    return std::nullopt;
  }
  return *gap_since_ms_ + options_.reorder_wait_ms;
}

}  // namespace pvpd::t140
