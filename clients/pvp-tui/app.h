// pvp-tui's application loop: owns the session link, the state model, the screen and the UI
// state; turns keys into PVP frames and frames into redraws (docs/clients/pvp-tui.md).
//
// One thread: poll() waits on stdin and the connection's wake fd together, so typing never
// blocks on the network and frames are shown as they arrive. A draft is sent at most every
// 300 ms while composing (prompt.draft), so others see it live.
// THREAD: UI thread only (the connection and the bridge poller run their own threads).
// LIFETIME: run() returns when the user quits; destruction closes the connection.
#pragma once

#include <memory>

#include "tui_options.h"

namespace pvp_tui {

class App {
 public:
  explicit App(TuiOptions options);
  ~App();
  App(const App &) = delete;
  App &operator=(const App &) = delete;
  // Returns the process exit code.
  int run();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pvp_tui
