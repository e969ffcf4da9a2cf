// The curses screen of pvp-tui: draws the session (ClientState), the link (SessionClient) and the
// UI state into the terminal, adapting to its size on every frame.
//
// Virtual scrolling: only the entries that fit in the visible window are wrapped and drawn, from
// the bottom up, so the cost of a frame does not grow with the session (100 000 messages).
// There are no per-message curses windows; everything is drawn on stdscr.
// THREAD: UI thread only. OWNERSHIP/LIFETIME: the constructor enters curses mode, the destructor
// leaves it (also on exceptions unwinding through main).
#pragma once

#include <cstdio>

#include "pvpclient/client_state.h"
#include "pvpclient/session_client.h"
#include "tui_options.h"
#include "ui_state.h"

struct screen;  // curses' SCREEN

namespace pvp_tui {

class Screen {
 public:
  Screen();
  // A screen on other streams with terminal type `term` (tests render into a file).
  Screen(const char *term, FILE *out, FILE *in);
  ~Screen();
  Screen(const Screen &) = delete;
  Screen &operator=(const Screen &) = delete;

  void render(const pvpd::client::ClientState &st, const pvpd::client::SessionClient &link,
              const UiState &ui, const TuiOptions &opts);
  // Rows available to the message stream in the last frame (for page scrolling).
  int stream_rows() const { return stream_rows_; }

 private:
  void setup();
  int stream_rows_ = 10;
  ::screen *screen_ = nullptr;  // only for the stream constructor
};

}  // namespace pvp_tui
