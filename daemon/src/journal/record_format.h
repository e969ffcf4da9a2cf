// Record format: the text layout of one journal file (docs/journal.md "File format").
//
// A journal is JSON lines. Line 1 is the header, every further line one record:
//   {"pvpd_journal":1,"session":"<id>","genesis":"<hex>"}
//   {"seq":N,"prev":"<hex>","hash":"<hex>","msg":"<message bytes as a JSON string>"}
// Only bytes that JSON requires are escaped (", \, control characters), so msg decodes back
// to exactly the journaled bytes with any JSON parser. Messages and session ids must be valid
// UTF-8 (the envelope parser guarantees it) so that round trip is exact.
//
// THREAD: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pvpd::journal {

inline constexpr int kFormatVersion = 1;

// One journaled record as read back.
struct Record {
  uint64_t seq = 0;
  std::string message;   // the message: the exact bytes journaled, or the content of the
                         // blob a stub references (scan_journal inflates, blob_codec.h)
  std::string hash_hex;  // this record's hash (the next record's prev)
};

inline constexpr std::string_view kJournalSuffix = ".journal";
inline constexpr std::string_view kEndedSuffix = ".ended";
// Ids up to this many bytes are hex-encoded into the file name (readable, reversible); longer
// ones are hashed so the name stays under NAME_MAX. Either way the real id is in the header.
inline constexpr size_t kMaxHexNamedSessionBytes = 100;

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);
// Appends `s` as a quoted JSON string.
void append_json_string(std::string &out, std::string_view s);

// File name stem for a session ("s-<hex of id>" or "h-<sha256 of id>"): never contains '/',
// '.' or anything a hostile id could use to leave the journal directory.
std::string session_file_stem(std::string_view session);

std::string format_header(std::string_view session);  // with trailing '\n'
std::string format_record(uint64_t seq, std::string_view prev_hex, std::string_view hash_hex,
                          std::string_view message);  // with trailing '\n'

struct ParsedHeader {
  std::string session;
  std::string genesis;
};
struct ParsedRecord {
  uint64_t seq = 0;
  std::string prev;
  std::string hash;
  std::string msg;
};
// `line` excludes the '\n'. Errors say what is wrong with the line, not where it is.
Result<ParsedHeader> parse_header(std::string_view line);
Result<ParsedRecord> parse_record(std::string_view line);

}  // namespace pvpd::journal
