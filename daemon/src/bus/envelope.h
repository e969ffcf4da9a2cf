// Envelope: one PVP message as parsed by the core, from inbound JSON text to the single
// serialized buffer every receiver shares.
//
// The ingress path is parse_envelope() -> (router checks and stamps) -> encode(). Parsing is
// the only JSON parse a message gets and encode() the only serialization, whatever the number
// of receivers (DESIGN.md §1). Members keep the sender's order; fields the server sets (id, ts,
// sender, seq) are overwritten in place or appended, and unknown fields are preserved, as the
// reference server does.
//
// Untrusted input: parse_envelope() never throws and bounds size and nesting depth before
// RapidJSON sees the bytes (RapidJSON's writer recurses, so an unbounded depth could overflow
// the stack on encode).
//
// THREAD: an Envelope is a plain value; the core thread owns the ones it routes.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bus/shared_buffer.h"

namespace pvpd::bus {

inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxNestingDepth = 64;
inline constexpr size_t kMaxIdLength = 128;
inline constexpr size_t kMaxTypeLength = 64;

// Why an inbound frame was refused: a PVP error code ("INVALID_MESSAGE", ...) and a detail
// precise enough for a client author to fix their frame.
struct EnvelopeError {
  std::string code;
  std::string message;
  // The refused frame's `id` and `session` when it was a JSON object carrying them as valid
  // strings, so the error can name what it refuses (`related_to`).
  std::string related_to;
  std::string session;
};

class Envelope {
 public:
  Envelope() = default;
  Envelope(Envelope &&) = default;
  Envelope &operator=(Envelope &&) = default;

  // Builds an empty server-side envelope: {"v":1,"id","ts","session","sender","type","payload":{}}
  // in the reference's key order. Fill the payload through payload() and allocator().
  static Envelope make(std::string_view type, std::string_view session, std::string_view sender,
                       std::string_view id, std::string_view ts);

  std::string_view type() const { return get_string("type"); }
  std::string_view session() const { return get_string("session"); }
  std::string_view sender() const { return get_string("sender"); }
  std::string_view id() const { return get_string("id"); }
  bool has_member(std::string_view name) const;

  rapidjson::Value &payload();
  const rapidjson::Value &payload() const;
  rapidjson::Document::AllocatorType &allocator() { return doc_.GetAllocator(); }
  rapidjson::Document &document() { return doc_; }
  const rapidjson::Document &document() const { return doc_; }

  // Sets (overwriting in place, or appending) a top-level string or integer member.
  void set_string(std::string_view name, std::string_view value);
  void set_uint(std::string_view name, uint64_t value);

  // Serializes once. nullptr-holding BufferRef only when allocation fails.
  BufferRef encode() const;

 private:
  std::string_view get_string(std::string_view name) const;
  rapidjson::Document doc_;
};

// Parses and validates the envelope shape (not the payload schema of each type: that is the
// router's job). On failure fills *error and returns false.
//
// Rules: a JSON object of at most max_bytes bytes and kMaxNestingDepth levels; `type` a
// non-empty string of [a-z0-9_.] up to kMaxTypeLength; `v` absent or 1; `id`, `session`,
// `sender`, `ref`, `fork` strings of at most kMaxIdLength when present; `payload` an object
// when present (an absent payload becomes {}); `seq` a non-negative integer when present.
bool parse_envelope(std::string_view json, size_t max_bytes, Envelope *out, EnvelopeError *error);

// A RapidJSON string value copied from `s`. An empty std::string_view may carry a null data
// pointer, which RapidJSON asserts against, so this is the one place such values are built.
rapidjson::Value make_json_string(std::string_view s, rapidjson::Document::AllocatorType &alloc);

// Nesting depth of JSON text (objects and arrays), stopping early once `limit` is exceeded.
// Strings are skipped correctly, so brackets inside them do not count.
size_t json_nesting_depth(std::string_view json, size_t limit);

}  // namespace pvpd::bus
