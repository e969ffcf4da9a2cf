// pvp-tui application loop (see app.h).
#include "app.h"

#include <curses.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "bridge_poller.h"
#include "pvpclient/client_state.h"
#include "pvpclient/frames.h"
#include "pvpclient/session_client.h"
#include "screen.h"
#include "text_layout.h"
#include "ui_state.h"

namespace pvp_tui {

using namespace pvpd::client;
using Clock = std::chrono::steady_clock;

namespace {

volatile std::sig_atomic_t g_quit_signal = 0;
extern "C" void on_quit_signal(int) {
  g_quit_signal = 1;
}

constexpr wint_t kCtrlC = 3;
constexpr wint_t kCtrlD = 4;
constexpr wint_t kCtrlU = 21;
constexpr wint_t kEsc = 27;
constexpr wint_t kTab = 9;
constexpr auto kDraftInterval = std::chrono::milliseconds(300);

}  // namespace

struct App::Impl {
  TuiOptions opts;
  ClientState state;
  std::unique_ptr<SessionClient> link;
  std::unique_ptr<Screen> screen;
  std::unique_ptr<BridgePoller> bridge;
  UiState ui;
  bool quit = false;
  bool dirty = true;
  bool draft_dirty = false;
  Clock::time_point last_draft{};
  size_t seen_entries = 0;

  explicit Impl(TuiOptions o) : opts(std::move(o)), state(opts.id) {}

  void flash(std::string text) {
    ui.flash = std::move(text);
    ui.flash_until = Clock::now() + std::chrono::seconds(5);
    dirty = true;
  }

  bool send(const Frame &f) {
    if (!link->send(f)) {
      flash("not connected: not sent");
      return false;
    }
    return true;
  }

  // Keeps the prompt target on an agent that is still there.
  void fix_target() {
    const auto agents = state.agents();
    if (std::find(agents.begin(), agents.end(), ui.target) == agents.end()) {
      ui.target = agents.empty() ? "" : agents.front();
    }
  }

  void cycle_target() {
    const auto agents = state.agents();
    if (agents.empty()) {
      flash("no agent in the session");
      return;
    }
    auto it = std::find(agents.begin(), agents.end(), ui.target);
    ui.target = it == agents.end() || it + 1 == agents.end() ? agents.front() : *(it + 1);
    draft_dirty = ui.mode == Mode::kCompose;
  }

  void submit_prompt() {
    fix_target();
    const std::string text = narrow(ui.compose.text());
    if (text.find_first_not_of(" \n\t") == std::string::npos) {
      flash("empty prompt");
      return;
    }
    if (ui.target.empty()) {
      flash("no agent in the session to prompt");
      return;
    }
    if (send(prompt_submit_frame(opts.session, opts.id, text, ui.target, {opts.id}))) {
      ui.compose.clear();
      ui.mode = Mode::kStream;
      ui.scroll = 0;
      draft_dirty = false;
    }
  }

  void cancel_compose() {
    const bool had_text = !ui.compose.empty();
    ui.compose.clear();
    ui.mode = Mode::kStream;
    if (had_text) {
      // An empty draft tells the others the draft is gone.
      link->send(prompt_draft_frame(opts.session, opts.id, "", "", {opts.id}));
    }
    draft_dirty = false;
  }

  void maybe_send_draft() {
    if (!draft_dirty || ui.mode != Mode::kCompose || Clock::now() - last_draft < kDraftInterval) {
      return;
    }
    fix_target();
    link->send(
        prompt_draft_frame(opts.session, opts.id, narrow(ui.compose.text()), ui.target, {opts.id}));
    last_draft = Clock::now();
    draft_dirty = false;
  }

  void start_vote(bool approve) {
    const Gate *g = state.next_gate_to_vote();
    if (g == nullptr) {
      flash(state.open_gates().empty() ? "no pending gate" : "no gate waiting for your vote");
      return;
    }
    ui.gate = g->id;
    ui.line.clear();
    ui.mode = approve ? Mode::kComment : Mode::kReason;
  }

  // The reference TUI's batch keys: every open gate this client may still vote on.
  void vote_all(bool approve) {
    std::vector<const Gate *> todo;
    for (const Gate *g : state.open_gates()) {
      if (g->agent != opts.id &&
          std::find(g->approvals.begin(), g->approvals.end(), opts.id) == g->approvals.end()) {
        todo.push_back(g);
      }
    }
    if (todo.empty()) {
      flash("no gate waiting for your vote");
      return;
    }
    size_t sent = 0;
    for (const Gate *g : todo) {
      const Frame f =
          approve ? gate_approve_frame(opts.session, opts.id, g->id, "Batch approved by user",
                                       g->digest)
                  : gate_reject_frame(opts.session, opts.id, g->id, "Batch rejected by user");
      if (send(f)) {
        ++sent;
      }
    }
    flash(std::string(approve ? "approved " : "rejected ") + std::to_string(sent) + " gate(s)");
  }

  void finish_vote() {
    const Gate *g = state.gate(ui.gate);
    const std::string text = narrow(ui.line.text());
    if (g != nullptr) {
      if (ui.mode == Mode::kComment) {
        if (send(gate_approve_frame(opts.session, opts.id, g->id, text, g->digest))) {
          flash("approved " + (g->tool_name.empty() ? g->id : g->tool_name));
        }
      } else if (send(gate_reject_frame(opts.session, opts.id, g->id,
                                        text.empty() ? "Rejected by user" : text))) {
        flash("rejected " + (g->tool_name.empty() ? g->id : g->tool_name));
      }
    }
    ui.mode = Mode::kStream;
    ui.line.clear();
  }

  void run_search(bool again) {
    const std::string q = again ? ui.last_search : narrow(ui.line.text());
    if (q.empty()) {
      ui.mode = Mode::kStream;
      return;
    }
    ui.last_search = q;
    const size_t total = state.entries().size();
    size_t before = total - std::min(ui.scroll, total);
    if (again && ui.highlight) {
      before = *ui.highlight;
    }
    auto hit = state.find_backward(q, before);
    if (!hit && again) {
      hit = state.find_backward(q, total);  // wrap around to the newest
    }
    if (hit) {
      ui.highlight = *hit;
      ui.scroll = total - *hit - 1;
    } else {
      flash("not found: " + q);
    }
    ui.mode = Mode::kStream;
    ui.line.clear();
  }

  void scroll_by(long delta) {
    const long total = static_cast<long>(state.entries().size());
    long s = static_cast<long>(ui.scroll) + delta;
    s = std::clamp(s, 0L, std::max(0L, total - 1));
    ui.scroll = static_cast<size_t>(s);
  }

  // True when the key edited the line.
  static bool edit(LineEditor &ed, wint_t ch, bool code, bool multiline) {
    if (code) {
      switch (ch) {
        case KEY_BACKSPACE: ed.backspace(); return true;
        case KEY_DC: ed.erase_forward(); return true;
        case KEY_LEFT: ed.left(); return true;
        case KEY_RIGHT: ed.right(); return true;
        case KEY_HOME: ed.home(); return true;
        case KEY_END: ed.end(); return true;
        case KEY_ENTER:
          if (multiline) {
            ed.insert(L'\n');
            return true;
          }
          return false;
        default: return false;
      }
    }
    if (ch == 127 || ch == 8) {
      ed.backspace();
      return true;
    }
    if (ch == kCtrlU) {
      ed.clear();
      return true;
    }
    if (multiline && (ch == L'\n' || ch == L'\r')) {
      ed.insert(L'\n');
      return true;
    }
    if (ch >= 32 && ch != 127) {
      ed.insert(static_cast<wchar_t>(ch));
      return true;
    }
    return false;
  }

  void handle_key(wint_t ch, bool code) {
    dirty = true;
    if (!code && ch == kCtrlC) {
      quit = true;
      return;
    }
    if (code && ch == KEY_RESIZE) {
      clearok(curscr, TRUE);
      return;
    }
    const bool enter = (!code && (ch == L'\n' || ch == L'\r')) || (code && ch == KEY_ENTER);
    switch (ui.mode) {
      case Mode::kCompose: {
        if (!code && ch == kCtrlD) {
          submit_prompt();
          return;
        }
        if (!code && ch == kEsc) {
          // Alt+Enter arrives as Esc followed by Enter.
          wint_t next = 0;
          const int rc = get_wch(&next);
          if (rc == OK && (next == L'\n' || next == L'\r')) {
            submit_prompt();
          } else {
            cancel_compose();
          }
          return;
        }
        if (!code && ch == kTab) {
          cycle_target();
          return;
        }
        if (edit(ui.compose, ch, code, true)) {
          draft_dirty = true;
        }
        return;
      }
      case Mode::kComment:
      case Mode::kReason:
      case Mode::kInterruptMsg:
      case Mode::kSearch: {
        if (!code && ch == kEsc) {
          ui.mode = Mode::kStream;
          ui.line.clear();
          return;
        }
        if (enter) {
          if (ui.mode == Mode::kSearch) {
            run_search(false);
          } else if (ui.mode == Mode::kInterruptMsg) {
            const std::string msg = narrow(ui.line.text());
            fix_target();
            if (send(interrupt_frame(opts.session, opts.id, ui.urgency,
                                     msg.empty() ? "Interrupted by " + opts.name : msg,
                                     ui.target))) {
              flash("interrupt (" + ui.urgency + ") sent");
            }
            ui.mode = Mode::kStream;
            ui.line.clear();
          } else {
            finish_vote();
          }
          return;
        }
        edit(ui.line, ch, code, false);
        return;
      }
      case Mode::kUrgency: {
        if (!code && (ch == L'1' || ch == L'2' || ch == L'3')) {
          ui.urgency = ch == L'1' ? "pause" : ch == L'2' ? "stop" : "emergency";
          ui.line.clear();
          ui.mode = Mode::kInterruptMsg;
        } else if (!code && (ch == kEsc || ch == L'q')) {
          ui.mode = Mode::kStream;
        }
        return;
      }
      case Mode::kDetails:
      case Mode::kHelp:
        if ((!code && (ch == kEsc || ch == L'q' || ch == L'?' || ch == L'v')) || enter) {
          ui.mode = Mode::kStream;
        } else if (!code && ui.mode == Mode::kDetails && (ch == L'a' || ch == L'r')) {
          ui.mode = Mode::kStream;
          start_vote(ch == L'a');
        }
        return;
      case Mode::kStream: break;
    }
    if (code) {
      switch (ch) {
        case KEY_UP: scroll_by(1); return;
        case KEY_DOWN: scroll_by(-1); return;
        case KEY_PPAGE: scroll_by(std::max(1, screen->stream_rows() / 2)); return;
        case KEY_NPAGE: scroll_by(-std::max(1, screen->stream_rows() / 2)); return;
        case KEY_HOME: ui.scroll = state.entries().empty() ? 0 : state.entries().size() - 1; return;
        case KEY_END:
          ui.scroll = 0;
          ui.highlight.reset();
          return;
        case KEY_ENTER: break;
        default: return;
      }
    }
    if (enter || ch == L'p') {
      if (opts.role == "observer" && opts.capabilities.empty()) {
        flash("observers cannot prompt");
        return;
      }
      fix_target();
      ui.mode = Mode::kCompose;
      return;
    }
    switch (ch) {
      case L'q': quit = true; return;
      case L'a': start_vote(true); return;
      case L'r': start_vote(false); return;
      case L'A': vote_all(true); return;
      case L'R': vote_all(false); return;
      case L'v': {
        const Gate *g = state.next_gate_to_vote();
        const auto open = state.open_gates();
        if (g == nullptr && !open.empty()) {
          g = open.front();
        }
        if (g == nullptr) {
          flash("no pending gate");
          return;
        }
        ui.gate = g->id;
        ui.mode = Mode::kDetails;
        return;
      }
      case L'i': ui.mode = Mode::kUrgency; return;
      case L't': ui.thinking_panel = !ui.thinking_panel; return;
      case L'/':
        ui.line.clear();
        ui.mode = Mode::kSearch;
        return;
      case L'n': run_search(true); return;
      case L'?': ui.mode = Mode::kHelp; return;
      case L'\t':
        cycle_target();
        flash("target: " + ui.target);
        return;
      case L'k': scroll_by(1); return;
      case L'j': scroll_by(-1); return;
      case L'G':
        ui.scroll = 0;
        ui.highlight.reset();
        return;
      default: return;
    }
  }

  // Where the decision-tracking line comes from (--bridge, else the usual places).
  std::vector<BridgeEndpoint> bridge_endpoints(const Url &ws) const {
    if (opts.bridge == "off") {
      return {};
    }
    if (!opts.bridge.empty()) {
      std::string err;
      // http://HOST:PORT is parsed as ws:// to reuse the parser; the scheme is checked here.
      if (opts.bridge.rfind("http://", 0) == 0) {
        if (auto u = parse_url("ws://" + opts.bridge.substr(7), &err)) {
          std::string base = u->path == "/" ? "" : u->path;
          return {BridgeEndpoint{u->host, u->port, base + "/commit-context"}};
        }
      }
      return {};
    }
    std::vector<BridgeEndpoint> out;
    if (!ws.tls) {
      out.push_back(BridgeEndpoint{ws.host, ws.port, "/bridge/commit-context"});  // reference
    }
    if (ws.host == "127.0.0.1" || ws.host == "localhost" || ws.host == "::1") {
      out.push_back(BridgeEndpoint{"127.0.0.1", 9847, "/commit-context"});  // pvpd git-bridge
    }
    return out;
  }

  int run() {
    std::string err;
    auto url = parse_url(opts.url, &err);
    if (!url) {
      std::fprintf(stderr, "pvp-tui: %s\n", err.c_str());
      return 64;
    }
    SessionOptions so;
    so.connect.url = *url;
    so.connect.token = opts.token;
    so.connect.insecure = opts.insecure;
    so.connect.ca_file = opts.ca_file;
    so.create = opts.session.empty();
    if (so.create) {
      opts.session = new_id();
      so.create_name = opts.session_name.empty() ? opts.name + "'s Session" : opts.session_name;
      std::printf("pvp-tui: created session %s (others join with --session %s)\n",
                  opts.session.c_str(), opts.session.c_str());
      std::fflush(stdout);
    }
    so.join.session = opts.session;
    so.join.id = opts.id;
    so.join.name = opts.name;
    so.join.type = "human";
    so.join.roles = {opts.role};
    so.join.capabilities = opts.capabilities;
    link = std::make_unique<SessionClient>(so, &state);
    link->on_link = [this](LinkState s) {
      dirty = true;
      if (s == LinkState::kLive && link->last_resume_from()) {
        state.add_notice("reconnected; resumed after seq " +
                         std::to_string(*link->last_resume_from()));
      }
    };
    if (!link->start()) {
      std::fprintf(stderr, "pvp-tui: cannot set up the WebSocket client\n");
      return 1;
    }
    if (auto endpoints = bridge_endpoints(*url); !endpoints.empty()) {
      bridge = std::make_unique<BridgePoller>(std::move(endpoints), opts.session);
    }
    std::signal(SIGTERM, on_quit_signal);
    std::signal(SIGHUP, on_quit_signal);
    screen = std::make_unique<Screen>();
    state.add_notice("connecting to " + url->redacted() + " as " + opts.name + " (" + opts.id +
                     ", " + opts.role + ")");
    auto last_tick = Clock::now();
    while (!quit && g_quit_signal == 0) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {link->wake_fd(), POLLIN, 0}};
      ::poll(fds, 2, 200);
      if (link->pump() > 0) {
        dirty = true;
      }
      if (state.entries().size() != seen_entries) {
        // Keep the view still while the user reads history: new entries push the window.
        if (ui.scroll > 0) {
          ui.scroll += state.entries().size() - seen_entries;
        }
        seen_entries = state.entries().size();
        dirty = true;
      }
      wint_t ch = 0;
      int rc;
      while (!quit && (rc = get_wch(&ch)) != ERR) {
        handle_key(ch, rc == KEY_CODE_YES);
      }
      maybe_send_draft();
      if (bridge) {
        std::string line = bridge->line();
        if (line != ui.bridge_line) {
          ui.bridge_line = std::move(line);
          dirty = true;
        }
      }
      // Countdowns and flashes change with time alone.
      if (Clock::now() - last_tick > std::chrono::milliseconds(500)) {
        last_tick = Clock::now();
        if (link->state() != LinkState::kLive || !ui.flash.empty()) {
          dirty = true;
        }
      }
      if (dirty) {
        screen->render(state, *link, ui, opts);
        dirty = false;
      }
    }
    screen.reset();
    bridge.reset();
    link.reset();
    std::printf("pvp-tui: left session %s (rejoin with --session %s --id %s)\n",
                opts.session.c_str(), opts.session.c_str(), opts.id.c_str());
    return 0;
  }
};

App::App(TuiOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
App::~App() = default;

int App::run() {
  return impl_->run();
}

}  // namespace pvp_tui
