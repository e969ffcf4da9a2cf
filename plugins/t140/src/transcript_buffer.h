// Per-speaker transcript assembly and chunking (seed 004 §4.3): buffers decoded text, applies
// backspace (also into the last flushed chunk) and the loss marker, and cuts the text into
// chunks on sentence boundaries after a settle time, after an idle period, and at a size limit.
//
// Backspace across a flush (research/t140.md §6.3): the text of the last flushed chunk is kept;
// a backspace with nothing pending reopens that chunk, and its next flush is a revision that
// reuses the chunk's index (the plugin re-sends context.add under the same key, so the session's
// context holds the corrected text, tagged "revision"). Backspace reaching further back is
// counted and ignored.
//
// Time is passed in (milliseconds, any monotonic origin), so tests drive it with a fake clock.
// THREAD: one instance per speaker, one thread. OWNERSHIP/LIFETIME: plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::t140 {

struct ChunkPolicy {
  uint64_t settle_ms = 400;       // a sentence end must stand this long before it is flushed
  uint64_t idle_flush_ms = 3000;  // flush everything after this long without text
  std::size_t max_chunk_bytes = 1024;
};

struct Chunk {
  uint64_t index = 0;  // per speaker, from 0; a revision repeats the revised chunk's index
  std::string text;    // trimmed, valid UTF-8
  bool lossy = false;  // contains a loss marker U+FFFD
  bool revision = false;
};

class TranscriptBuffer {
 public:
  explicit TranscriptBuffer(ChunkPolicy policy = {}) : policy_(policy) {}

  void append(std::string_view utf8, uint64_t now_ms);
  void backspace(uint64_t now_ms);
  // Inserts the missing-text marker U+FFFD and marks the pending chunk lossy.
  void mark_loss(uint64_t now_ms);
  // Emits the chunks due at now_ms.
  void poll(uint64_t now_ms, std::vector<Chunk> *out);
  // Emits everything pending (stream end).
  void flush_all(std::vector<Chunk> *out);
  // When poll should run next, if anything is pending.
  std::optional<uint64_t> next_deadline() const;

  bool empty() const { return pending_.empty() && !revising_; }
  uint64_t ignored_backspaces() const { return ignored_backspaces_; }

 private:
  // End offset of the last sentence boundary that may be flushed at now_ms (0 if none).
  std::size_t flushable_boundary(uint64_t now_ms) const;
  bool has_boundary() const;
  void emit(std::size_t end, std::vector<Chunk> *out);
  void note_text(uint64_t now_ms);

  ChunkPolicy policy_;
  std::string pending_;
  bool pending_lossy_ = false;
  bool revising_ = false;  // pending_ starts with the reopened last chunk
  uint64_t last_input_ms_ = 0;
  std::optional<uint64_t> boundary_since_ms_;
  // The last flushed chunk, for backspace across a flush.
  std::optional<Chunk> last_;
  uint64_t next_index_ = 0;
  uint64_t ignored_backspaces_ = 0;
};

}  // namespace pvpd::t140
