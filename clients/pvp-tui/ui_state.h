// What the terminal UI shows besides the session: mode, editors, scroll position, panels.
// THREAD/OWNERSHIP: a plain value owned by the UI loop (App); Screen reads it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "line_editor.h"

namespace pvp_tui {

enum class Mode {
  kStream,        // reading; single-key commands
  kCompose,       // multi-line prompt editor
  kComment,       // approve: optional comment
  kReason,        // reject: reason
  kUrgency,       // interrupt: 1 pause / 2 stop / 3 emergency
  kInterruptMsg,  // interrupt: message
  kSearch,        // '/' query
  kDetails,       // gate details overlay
  kHelp,          // key help overlay
};

struct UiState {
  Mode mode = Mode::kStream;
  LineEditor compose;  // survives Esc only as an empty draft: Esc clears it
  LineEditor line;     // the one-line prompt of kComment/kReason/kInterruptMsg/kSearch
  std::string gate;    // the gate kComment/kReason/kDetails act on
  std::string urgency;
  std::string target;               // the agent prompts and interrupts go to
  size_t scroll = 0;                // entries hidden below the window (0 = follow the stream)
  std::optional<size_t> highlight;  // search hit
  std::string last_search;
  bool thinking_panel = true;
  std::string flash;  // transient status message
  std::chrono::steady_clock::time_point flash_until{};
  std::string bridge_line;  // decision-tracking line; empty when no bridge
};

}  // namespace pvp_tui
