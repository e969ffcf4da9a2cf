// Reading journaled messages for display: the envelope fields pvpctl shows, one-line summaries
// of any message type, and per-session statistics.
//
// Robust to anything in a journal: a message that does not parse, or lacks fields, still gets
// a summary.
//
// THREAD: single-threaded tool; plain values.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "journal/record_format.h"

namespace pvpd::report {

struct Message {
  uint64_t seq = 0;
  bool parsed = false;
  std::string raw;
  std::string id, type, sender, ts;
  rapidjson::Document doc;  // the whole envelope when parsed
  const rapidjson::Value *payload() const;
};

Message parse_message(const pvpd::journal::Record &rec);

// String member of `obj` (empty when absent or not a string).
std::string str(const rapidjson::Value *obj, const char *name);
// Compact JSON of a value, cut to `max` bytes with "…".
std::string compact(const rapidjson::Value &v, size_t max);
// `s` on one line (newlines → ⏎), cut to `max` bytes at a UTF-8 boundary.
std::string one_line(const std::string &s, size_t max);

// "prompt by alice → claude: fix the tests" style summary of one message.
std::string summarize(const Message &m);

struct SessionStats {
  uint64_t messages = 0;
  uint64_t first_seq = 0, last_seq = 0;
  std::string first_ts, last_ts;
  std::map<std::string, uint64_t> senders;  // distinct senders → messages
  std::map<std::string, uint64_t> types;
};
SessionStats stats_of(const std::vector<pvpd::journal::Record> &records);

}  // namespace pvpd::report
