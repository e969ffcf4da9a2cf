// RED (RFC 2198) decoding for T.140 (RFC 4103 §4): splits one RED payload into T140blocks and
// says which earlier packet each redundant block repeats, including t140llm's non-standard
// variants (research/t140.md §2.4 F1–F3).
//
// THREAD: pure function, any thread. OWNERSHIP: RedBlock::data views the caller's payload.
// LIFETIME: nothing kept between calls.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace pvpd::t140 {

enum class RedError {
  kNone,
  kTruncatedHeader,  // a 4-byte block header or the final 1-byte header is cut off
  kBlockOverrun,     // block lengths exceed the bytes present
  kTooManyBlocks,    // more redundant generations than the configured cap
  kNestedRed,        // a block claims the RED payload type itself
};

const char *red_error_name(RedError e);

struct RedBlock {
  uint32_t distance = 0;  // 0 = the primary; k = the packet whose seq is (primary seq - k)
  std::string_view data;
};

struct RedOptions {
  uint8_t t140_pt = 96;
  uint8_t red_pt = 98;
  uint32_t max_generations = 8;
  // Accept t140llm's layout (16-bit offset, 8-bit length) when the RFC 2198 parse fails, and
  // re-split blocks that it truncated to 255 bytes (see known_primary).
  bool t140llm_compat = false;
};

struct RedResult {
  RedError error = RedError::kNone;
  // Redundant blocks oldest first, then the primary last. Blocks of other payload types are
  // left out (counted in ignored_blocks); an empty generation is kept (it still fills a seq).
  std::vector<RedBlock> blocks;
  uint32_t ignored_blocks = 0;
  bool newest_first = false;     // the sender put the newest generation first (t140llm)
  bool compat_layout = false;    // parsed with t140llm's 16/8-bit header layout
  uint32_t compat_resplits = 0;  // blocks re-split with a known primary's true length
};

// `known_primary(distance)` returns the primary already received for (primary seq - distance),
// if any; used only in compat mode to undo t140llm's 255-byte length cap (F3).
using KnownPrimaryFn = std::function<std::optional<std::string_view>(uint32_t distance)>;

RedResult decode_red(std::string_view payload, const RedOptions &options,
                     const KnownPrimaryFn &known_primary = nullptr);

}  // namespace pvpd::t140
