#include "journal/journal_options.h"

namespace pvpd::journal {

bool parse_fsync_mode(std::string_view text, FsyncMode *out) {
  if (text == "always") {
    *out = FsyncMode::kAlways;
  } else if (text == "batch") {
    *out = FsyncMode::kBatch;
  } else if (text == "none") {
    *out = FsyncMode::kNone;
  } else {
    return false;
  }
  return true;
}

const char *fsync_mode_name(FsyncMode mode) {
  switch (mode) {
    case FsyncMode::kAlways: return "always";
    case FsyncMode::kBatch: return "batch";
    case FsyncMode::kNone: return "none";
  }
  return "?";
}

}  // namespace pvpd::journal
