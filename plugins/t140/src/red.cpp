// RED decoding. The ordering rule ("auto", research/t140.md §2.5): RFC 4103 puts redundant
// generations oldest first, so positions map to seq distances n..1. t140llm puts them newest
// first; the sign is that the timestamp offsets of the non-empty redundant blocks increase along
// the packet (an RFC sender's decrease). Empty RFC history blocks may carry offset 0, so only
// non-empty blocks vote.
#include "red.h"

namespace pvpd::t140 {
namespace {

struct Header {
  uint8_t pt = 0;
  uint32_t offset = 0;
  uint32_t length = 0;
};

struct Layout {
  std::vector<Header> redundant;
  uint8_t primary_pt = 0;
  std::size_t data_start = 0;
};

// Reads the header run. `t140llm` selects the 16-bit offset + 8-bit length layout.
RedError read_headers(const unsigned char *p, std::size_t n, bool t140llm, uint32_t max_blocks,
                      Layout *out) {
  std::size_t i = 0;
  while (true) {
    if (i >= n) {
      return RedError::kTruncatedHeader;
    }
    if ((p[i] & 0x80) == 0) {
      out->primary_pt = p[i] & 0x7f;
      out->data_start = i + 1;
      return RedError::kNone;
    }
    if (i + 4 > n) {
      return RedError::kTruncatedHeader;
    }
    if (out->redundant.size() >= max_blocks) {
      return RedError::kTooManyBlocks;
    }
    Header h;
    h.pt = p[i] & 0x7f;
    if (t140llm) {
      h.offset = (uint32_t{p[i + 1]} << 8) | p[i + 2];
      h.length = p[i + 3];
    } else {
      h.offset = (uint32_t{p[i + 1]} << 6) | (p[i + 2] >> 2);
      h.length = (uint32_t{p[i + 2] & 3u} << 8) | p[i + 3];
    }
    out->redundant.push_back(h);
    i += 4;
  }
}

RedError check(const Layout &l, std::size_t n, uint8_t red_pt) {
  std::size_t total = l.data_start;
  for (const Header &h : l.redundant) {
    if (h.pt == red_pt) {
      return RedError::kNestedRed;
    }
    total += h.length;
  }
  if (l.primary_pt == red_pt) {
    return RedError::kNestedRed;
  }
  return total > n ? RedError::kBlockOverrun : RedError::kNone;
}

bool offsets_increase(const Layout &l) {
  int nonempty = 0;
  uint32_t last = 0;
  for (const Header &h : l.redundant) {
    if (h.length == 0) {
      continue;
    }
    if (nonempty > 0 && h.offset <= last) {
      return false;
    }
    last = h.offset;
    ++nonempty;
  }
  return nonempty >= 2;
}

}  // namespace

const char *red_error_name(RedError e) {
  switch (e) {
    case RedError::kNone: return "ok";
    case RedError::kTruncatedHeader: return "red_truncated_header";
    case RedError::kBlockOverrun: return "red_block_overrun";
    case RedError::kTooManyBlocks: return "red_too_many_blocks";
    case RedError::kNestedRed: return "red_nested";
  }
  return "unknown";
}

RedResult decode_red(std::string_view payload, const RedOptions &options,
                     const KnownPrimaryFn &known_primary) {
  RedResult result;
  const auto *p = reinterpret_cast<const unsigned char *>(payload.data());
  const std::size_t n = payload.size();
  Layout layout;
  RedError err = read_headers(p, n, false, options.max_generations, &layout);
  if (err == RedError::kNone) {
    err = check(layout, n, options.red_pt);
  }
  if (err != RedError::kNone && options.t140llm_compat && err != RedError::kNestedRed) {
    Layout alt;
    if (read_headers(p, n, true, options.max_generations, &alt) == RedError::kNone &&
        check(alt, n, options.red_pt) == RedError::kNone) {
      layout = std::move(alt);
      err = RedError::kNone;
      result.compat_layout = true;
    }
  }
  if (err != RedError::kNone) {
    result.error = err;
    return result;
  }
  const std::size_t count = layout.redundant.size();
  result.newest_first = offsets_increase(layout);
  std::vector<uint32_t> lengths;
  for (const Header &h : layout.redundant) {
    lengths.push_back(h.length);
  }
  auto distance_of = [&](std::size_t i) {
    return static_cast<uint32_t>(result.newest_first ? i + 1 : count - i);
  };
  if (options.t140llm_compat && known_primary) {
    // F3: t140llm caps the written length at 255 but copies the whole block. When the block
    // is a prefix of a primary we already hold, that primary's size is the true length.
    std::size_t cursor = layout.data_start;
    for (std::size_t i = 0; i < count; ++i) {
      if (lengths[i] == 255) {
        std::optional<std::string_view> known = known_primary(distance_of(i));
        if (known && known->size() > 255 && cursor + known->size() <= n &&
            payload.substr(cursor, known->size()) == *known) {
          lengths[i] = static_cast<uint32_t>(known->size());
          ++result.compat_resplits;
        }
      }
      cursor += lengths[i];
    }
  }
  std::vector<RedBlock> redundant;
  std::size_t cursor = layout.data_start;
  for (std::size_t i = 0; i < count; ++i) {
    if (cursor + lengths[i] > n) {
      result.error = RedError::kBlockOverrun;
      result.blocks.clear();
      return result;
    }
    std::string_view data = payload.substr(cursor, lengths[i]);
    cursor += lengths[i];
    if (layout.redundant[i].pt != options.t140_pt) {
      ++result.ignored_blocks;
      continue;
    }
    redundant.push_back(RedBlock{distance_of(i), data});
  }
  // Oldest first: larger distance first.
  for (std::size_t i = 0; i < redundant.size(); ++i) {
    for (std::size_t j = i + 1; j < redundant.size(); ++j) {
      if (redundant[j].distance > redundant[i].distance) {
        std::swap(redundant[i], redundant[j]);
      }
    }
  }
  result.blocks = std::move(redundant);
  if (layout.primary_pt == options.t140_pt) {
    result.blocks.push_back(RedBlock{0, payload.substr(cursor)});
  } else {
    ++result.ignored_blocks;
  }
  return result;
}

}  // namespace pvpd::t140
