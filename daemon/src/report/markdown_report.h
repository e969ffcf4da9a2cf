// The markdown decision report of `pvpctl export --format markdown`: who asked for what, what
// the agents proposed, how each gate was decided and by whom, what the tools returned,
// interrupts, forks and merges, and context changes. Streaming deltas are condensed into one
// line per thinking/response stream. Unknown message types still appear (type + payload).
//
// THREAD: pure function.
#pragma once

#include <string>
#include <vector>

#include "journal/record_format.h"

namespace pvpd::report {

struct ReportInput {
  std::string session;
  std::string journal_path;
  std::string chain_status;  // e.g. "verified: 42 records, last hash ab12…"
  bool ended = false;
};

std::string markdown_report(const ReportInput &in,
                            const std::vector<pvpd::journal::Record> &records);

}  // namespace pvpd::report
