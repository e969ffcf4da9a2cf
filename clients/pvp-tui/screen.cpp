// Curses rendering (see screen.h).
#include "screen.h"

#include <curses.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>

#include "text_layout.h"

namespace pvp_tui {

using pvpd::client::ClientState;
using pvpd::client::Entry;
using pvpd::client::EntryKind;
using pvpd::client::Gate;
using pvpd::client::LinkState;
using pvpd::client::SessionClient;

namespace {

enum Pair : short {
  kHeader = 1,
  kPrompt,
  kResponse,
  kGate,
  kAlert,
  kTool,
  kVote,
  kDim,
  kStatusOk,
  kStatusBad,
  kTranscript,
};

attr_t color(short pair) {
  return has_colors() ? COLOR_PAIR(pair) : A_NORMAL;
}

// Draws `s` at (y, x) clipped to `width` columns; returns the next x.
int put(int y, int x, std::wstring_view s, attr_t attr, int width) {
  if (width <= 0) {
    return x;
  }
  const std::wstring text = fit(s, width);
  attron(attr);
  mvaddnwstr(y, x, text.c_str(), static_cast<int>(text.size()));
  attroff(attr);
  return x + text_width(text);
}

// Box lines as Unicode characters: ACS line drawing depends on terminfo details that are often
// wrong (TERM=xterm inside tmux shows "x" and "q"), while UTF-8 is required anyway.
void draw_hline(int y, int x, int n) {
  for (int i = 0; i < n; ++i) {
    mvaddwstr(y, x + i, L"\x2500");
  }
}

void draw_vline(int y, int x, int n) {
  for (int i = 0; i < n; ++i) {
    mvaddwstr(y + i, x, L"\x2502");
  }
}

void fill_row(int y, attr_t attr, int width) {
  attron(attr);
  mvhline(y, 0, ' ', width);
  attroff(attr);
}

struct Style {
  attr_t prefix;
  attr_t body;
};

Style style_of(const Entry &e, const ClientState &st) {
  switch (e.kind) {
    case EntryKind::kPrompt: return {color(kPrompt) | A_BOLD, A_NORMAL};
    case EntryKind::kThinking: return {color(kDim) | A_DIM | A_ITALIC, A_DIM | A_ITALIC};
    case EntryKind::kResponse: return {color(kResponse) | A_BOLD, A_NORMAL};
    case EntryKind::kTool:
    case EntryKind::kToolOutput: return {color(kTool) | A_BOLD, A_NORMAL};
    case EntryKind::kToolResult:
      return {color(e.prefix.find("succeeded") != std::string::npos ? kResponse : kAlert) | A_BOLD,
              A_NORMAL};
    case EntryKind::kGate: {
      const bool open = e.prefix.find("awaiting") != std::string::npos;
      (void)st;
      return {color(kGate) | A_BOLD | (open ? A_REVERSE : 0), open ? A_BOLD : A_NORMAL};
    }
    case EntryKind::kVote: return {color(kVote) | A_BOLD, A_NORMAL};
    case EntryKind::kInterrupt: return {color(kAlert) | A_BOLD | A_REVERSE, A_BOLD};
    case EntryKind::kAck: return {color(kVote) | A_BOLD, A_NORMAL};
    case EntryKind::kTranscript: return {color(kTranscript) | A_BOLD, A_NORMAL};
    case EntryKind::kError: return {color(kAlert) | A_BOLD, color(kAlert)};
    case EntryKind::kContext:
    case EntryKind::kMembership:
    case EntryKind::kNotice:
    case EntryKind::kUnknown:
    case EntryKind::kMalformed: return {A_DIM, A_DIM};
  }
  return {A_NORMAL, A_NORMAL};
}

struct Line {
  WrappedLine text;
  Style style;
  bool highlight = false;
};

std::wstring presence_mark(const std::string &presence) {
  if (presence == "active") {
    return L"\x25CF";  // ●
  }
  if (presence == "idle") {
    return L"\x25CB";  // ○
  }
  if (presence == "away") {
    return L"\x25CC";  // ◌
  }
  return L"\x00D7";  // ×
}

std::wstring badge(const pvpd::client::Participant &p) {
  std::string roles;
  for (const auto &r : p.roles) {
    roles += (roles.empty() ? "" : ",") + r;
  }
  if (p.type == "agent") {
    roles = roles.empty() ? "agent" : "agent," + roles;
  }
  return presence_mark(p.presence) + L" " + widen(p.name) + L" (" + widen(roles) + L")";
}

std::string display_name(const ClientState &st, const std::string &id) {
  const auto *p = st.participant(id);
  return p != nullptr && !p->name.empty() ? p->name : id;
}

}  // namespace

Screen::Screen() {
  initscr();
  setup();
}

Screen::Screen(const char *term, FILE *out, FILE *in) {
  screen_ = newterm(term, out, in);
  if (screen_ == nullptr) {
    throw std::runtime_error(std::string("cannot open a curses screen for ") + term);
  }
  set_term(screen_);
  setup();
}

void Screen::setup() {
  raw();  // Ctrl+C arrives as a key: quitting restores the terminal properly
  noecho();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(kHeader, COLOR_WHITE, COLOR_BLUE);
    init_pair(kPrompt, COLOR_CYAN, -1);
    init_pair(kResponse, COLOR_GREEN, -1);
    init_pair(kGate, COLOR_YELLOW, -1);
    init_pair(kAlert, COLOR_RED, -1);
    init_pair(kTool, COLOR_BLUE, -1);
    init_pair(kVote, COLOR_MAGENTA, -1);
    init_pair(kDim, -1, -1);
    init_pair(kStatusOk, COLOR_BLACK, COLOR_GREEN);
    init_pair(kStatusBad, COLOR_WHITE, COLOR_RED);
    init_pair(kTranscript, COLOR_CYAN, -1);
  }
}

Screen::~Screen() {
  endwin();
  if (screen_ != nullptr) {
    delscreen(screen_);
  }
}

void Screen::render(const ClientState &st, const SessionClient &link, const UiState &ui,
                    const TuiOptions &opts) {
  const int H = LINES;
  const int W = COLS;
  erase();
  if (H < 6 || W < 20) {
    put(0, 0, L"terminal too small", A_BOLD, W);
    refresh();
    return;
  }
  const auto participants = st.participants();
  const auto gates = st.open_gates();

  // Header.
  fill_row(0, color(kHeader) | A_BOLD, W);
  const std::string session_id = link.options().join.session;
  const std::string name = st.session_name().empty() ? session_id : st.session_name();
  const std::wstring count = L"[" + std::to_wstring(participants.size()) + L"]";
  put(0, 1, widen("PVP Session: " + name), color(kHeader) | A_BOLD, W - text_width(count) - 3);
  put(0, W - text_width(count) - 1, count, color(kHeader) | A_BOLD, text_width(count));

  int top = 1;
  if (const auto *in = st.last_interrupt(); in != nullptr && !in->acknowledged) {
    fill_row(top, color(kAlert) | A_REVERSE | A_BOLD, W);
    put(top, 1,
        widen("\xe2\x9a\xa0 INTERRUPT (" + in->urgency + ") from " + display_name(st, in->sender) +
              ": " + pvpd::client::sanitize(in->message) +
              "  \xe2\x80\x94 awaiting acknowledgement"),
        color(kAlert) | A_REVERSE | A_BOLD, W - 2);
    ++top;
  }

  // Bottom-up: input, status, participants, drafts, bridge, gate, thinking panel.
  int bottom = H;  // first row not available to the stream
  const bool composing = ui.mode == Mode::kCompose;
  std::vector<WrappedLine> compose_lines;
  if (composing) {
    compose_lines = wrap(L"> ", ui.compose.text(), W - 1);
    const int rows = std::min<int>(static_cast<int>(compose_lines.size()), std::max(1, H / 4));
    bottom -= rows + 1;
  } else {
    bottom -= 1;
  }
  const int input_row = bottom;
  const int status_row = --bottom;
  const bool side_panel = W >= 100;
  int participants_row = -1;
  if (!side_panel) {
    participants_row = --bottom;
  }
  std::vector<std::pair<std::string, pvpd::client::Draft>> drafts;
  for (const auto &[who, d] : st.drafts()) {
    if (who != opts.id && drafts.size() < 2) {
      drafts.emplace_back(who, d);
    }
  }
  bottom -= static_cast<int>(drafts.size());
  const int drafts_row = bottom;
  int bridge_row = -1;
  if (!ui.bridge_line.empty()) {
    bridge_row = --bottom;
  }
  int gate_row = -1;
  if (!gates.empty()) {
    bottom -= 2;
    gate_row = bottom;
  }
  const Entry *thinking = st.current_thinking();
  int thinking_row = -1;
  int thinking_rows = 0;
  std::vector<WrappedLine> thinking_lines;
  if (ui.thinking_panel && thinking != nullptr && bottom - top > 8) {
    thinking_lines = wrap(L"", widen(pvpd::client::sanitize(thinking->text)), W - 3);
    // As tall as the thought needs, up to 6 rows or a third of the space.
    thinking_rows = std::min({6, (bottom - top) / 3, static_cast<int>(thinking_lines.size())});
    bottom -= thinking_rows + 1;
    thinking_row = bottom;
  }
  const int stream_width = side_panel ? W - 28 : W;
  const int stream_height = std::max(0, bottom - top);
  stream_rows_ = std::max(1, stream_height);

  // Message stream: wrap only what fits, from the newest visible entry upwards.
  const auto &entries = st.entries();
  const size_t end = entries.size() - std::min(ui.scroll, entries.size());
  std::deque<Line> lines;
  for (size_t i = end; i > 0 && static_cast<int>(lines.size()) < stream_height; --i) {
    const Entry &e = entries[i - 1];
    std::string body = pvpd::client::sanitize(e.text);
    while (!body.empty() && body.back() == '\n') {
      body.pop_back();
    }
    if (e.streaming) {
      body += " \xe2\x96\x8c";  // ▌ streaming cursor
    }
    auto wrapped = wrap(widen(pvpd::client::sanitize(e.prefix)), widen(body), stream_width - 1);
    const Style style = style_of(e, st);
    const bool hl = ui.highlight && *ui.highlight == i - 1;
    for (auto it = wrapped.rbegin(); it != wrapped.rend(); ++it) {
      lines.push_front(Line{std::move(*it), style, hl});
    }
  }
  while (static_cast<int>(lines.size()) > stream_height) {
    lines.pop_front();
  }
  int y = top;
  for (const Line &l : lines) {
    const attr_t extra = l.highlight ? A_REVERSE : 0;
    const std::wstring_view text = l.text.text;
    int x = put(y, 0, text.substr(0, l.text.emphasis), l.style.prefix | extra, stream_width - 1);
    put(y, x, text.substr(l.text.emphasis), l.style.body | extra, stream_width - 1 - x);
    ++y;
  }
  if (ui.scroll > 0 && stream_height > 0) {
    const std::wstring more = L" \x2193 " + std::to_wstring(std::min(ui.scroll, entries.size())) +
                              L" newer (End to follow) ";
    put(top + stream_height - 1, std::max(0, stream_width - text_width(more) - 1), more, A_REVERSE,
        stream_width);
  }

  // Participant side panel (wide terminals).
  if (side_panel) {
    const int x0 = W - 27;
    attron(A_DIM);
    draw_vline(top, x0 - 1, std::max(0, bottom - top));
    attroff(A_DIM);
    put(top, x0, L"Participants", A_BOLD, 26);
    int py = top + 1;
    for (const auto *p : participants) {
      if (py >= bottom) {
        break;
      }
      put(py++, x0, badge(*p), p->presence == "active" ? A_NORMAL : A_DIM, 26);
    }
  }

  // Thinking panel.
  if (thinking_row >= 0) {
    attron(A_DIM);
    draw_hline(thinking_row, 0, W);
    attroff(A_DIM);
    const std::string title = " " + display_name(st, thinking->sender) +
                              (thinking->streaming ? " thinking\xe2\x80\xa6 " : " thought ") +
                              "(t hides) ";
    put(thinking_row, 2, widen(title), A_BOLD, W - 4);
    const auto &wrapped = thinking_lines;
    const size_t first = wrapped.size() > static_cast<size_t>(thinking_rows)
                             ? wrapped.size() - static_cast<size_t>(thinking_rows)
                             : 0;
    for (size_t k = first; k < wrapped.size(); ++k) {
      put(thinking_row + 1 + static_cast<int>(k - first), 0, L"> " + wrapped[k].text,
          A_DIM | A_ITALIC, W);
    }
  }

  // Gate prompt.
  if (gate_row >= 0) {
    const Gate *g = st.next_gate_to_vote();
    const Gate *shown = g != nullptr ? g : gates.front();
    std::string what = shown->message.empty() ? display_name(st, shown->agent) +
                                                    " wants to execute " + shown->tool_name
                                              : shown->message;
    if (!shown->arguments.empty() && shown->arguments != "{}") {
      what += " " + shown->arguments;
    }
    fill_row(gate_row, color(kGate) | A_REVERSE | A_BOLD, W);
    put(gate_row, 1,
        widen("\xe2\x9a\xa0  GATE" +
              (gates.size() > 1 ? " (" + std::to_string(gates.size()) + " pending)" : "") + ": " +
              pvpd::client::sanitize(what)),
        color(kGate) | A_REVERSE | A_BOLD, W - 2);
    std::string keys = g != nullptr ? "[a]pprove  [r]eject  [v]iew details"
                                    : "waiting for other approvers  [v]iew details";
    keys += "   risk " + (shown->risk.empty() ? std::string("?") : shown->risk) + " \xc2\xb7 " +
            std::to_string(shown->approvals.size()) + " approval(s) \xc2\xb7 quorum " +
            shown->quorum;
    put(gate_row + 1, 1, widen(keys), color(kGate) | A_BOLD, W - 2);
  }

  if (bridge_row >= 0) {
    put(bridge_row, 0, widen(ui.bridge_line), A_DIM, W);
  }
  for (size_t k = 0; k < drafts.size(); ++k) {
    const auto &[who, d] = drafts[k];
    std::string text = d.content;
    std::replace(text.begin(), text.end(), '\n', ' ');
    put(drafts_row + static_cast<int>(k), 0,
        widen("\xe2\x9c\x8e " + display_name(st, who) + " is drafting" +
              (d.target.empty() ? "" : " \xe2\x86\x92 " + display_name(st, d.target)) + ": " +
              pvpd::client::sanitize(text)),
        color(kPrompt), W);
  }
  if (participants_row >= 0) {
    int x = put(participants_row, 0, L"Participants: ", A_BOLD, W);
    for (const auto *p : participants) {
      x = put(participants_row, x, badge(*p) + L"  ", p->presence == "active" ? A_NORMAL : A_DIM,
              W - x);
    }
  }

  // Status bar.
  const LinkState ls = link.state();
  const bool ok = ls == LinkState::kLive;
  const attr_t status_attr = color(ok ? kStatusOk : kStatusBad) | A_BOLD;
  fill_row(status_row, status_attr, W);
  std::string status = (ok ? "\xe2\x97\x8f " : "\xe2\x97\x8b ") + link.status_text() +
                       " \xe2\x94\x82 " + session_id + " \xe2\x94\x82 fork " + st.fork() +
                       " \xe2\x94\x82 " + std::to_string(gates.size()) +
                       " gate(s) \xe2\x94\x82 seq " + std::to_string(st.last_seq());
  if (st.ended()) {
    status += " \xe2\x94\x82 session ended";
  }
  if (link.last_resume_from()) {
    status += " \xe2\x94\x82 resumed @" + std::to_string(*link.last_resume_from());
  }
  if (!ui.flash.empty() && std::chrono::steady_clock::now() < ui.flash_until) {
    status += " \xe2\x94\x82 " + ui.flash;
  }
  const std::wstring hint = composing ? L" Ctrl+D send \x00B7 Esc cancel " : L" ? help ";
  put(status_row, 0, widen(" " + status), status_attr, W - text_width(hint) - 1);
  put(status_row, W - text_width(hint), hint, status_attr, text_width(hint));

  // Input area.
  curs_set(0);
  if (composing) {
    const std::string target = ui.target.empty() ? "(no agent yet)" : display_name(st, ui.target);
    put(input_row, 0,
        widen("Compose \xe2\x86\x92 " + target +
              "   Enter newline \xc2\xb7 Ctrl+D or Alt+Enter send \xc2\xb7 Tab target \xc2\xb7 "
              "Esc cancel"),
        A_BOLD, W);
    const int rows = H - input_row - 1;
    const size_t first = compose_lines.size() > static_cast<size_t>(rows)
                             ? compose_lines.size() - static_cast<size_t>(rows)
                             : 0;
    for (size_t k = first; k < compose_lines.size(); ++k) {
      put(input_row + 1 + static_cast<int>(k - first), 0, compose_lines[k].text, A_NORMAL, W);
    }
    // Cursor: wrap the text before the cursor the same way and take its end.
    auto before = wrap(L"> ", ui.compose.text().substr(0, ui.compose.cursor()), W - 1);
    const int cy =
        input_row + 1 + static_cast<int>(before.size() - 1 - std::min(first, before.size() - 1));
    const int cx = text_width(before.back().text);
    if (cy < H) {
      move(cy, std::min(cx, W - 1));
      curs_set(1);
    }
  } else {
    std::wstring label;
    switch (ui.mode) {
      case Mode::kComment:
        label = L"Approve \x2014 comment (optional), Enter sends, Esc cancels: ";
        break;
      case Mode::kReason: label = L"Reject \x2014 reason, Enter sends, Esc cancels: "; break;
      case Mode::kUrgency:
        label = L"Interrupt urgency: [1] pause  [2] stop  [3] emergency  (Esc cancels)";
        break;
      case Mode::kInterruptMsg:
        label = widen("Interrupt (" + ui.urgency + ") message, Enter sends: ");
        break;
      case Mode::kSearch: label = L"/"; break;
      default:
        label =
            L"p compose \x00B7 a/r/v gate \x00B7 i interrupt \x00B7 t thinking \x00B7 / search "
            L"\x00B7 "
            L"PgUp/PgDn scroll \x00B7 ? help \x00B7 Ctrl+C quit";
        break;
    }
    int x = put(input_row, 0, label, ui.mode == Mode::kStream ? A_DIM : A_BOLD, W);
    const bool editing = ui.mode == Mode::kComment || ui.mode == Mode::kReason ||
                         ui.mode == Mode::kInterruptMsg || ui.mode == Mode::kSearch;
    if (editing) {
      put(input_row, x, ui.line.text(), A_NORMAL, W - x);
      move(input_row, std::min(W - 1, x + text_width(ui.line.text().substr(0, ui.line.cursor()))));
      curs_set(1);
    }
  }

  // Overlays.
  if (ui.mode == Mode::kHelp || ui.mode == Mode::kDetails) {
    std::vector<std::string> text;
    if (ui.mode == Mode::kHelp) {
      text = {"pvp-tui keys (Esc or ? closes)",
              "",
              "p / Enter   compose a prompt (Enter = newline inside the editor)",
              "Ctrl+D      send the prompt (Alt+Enter too); Esc cancels",
              "Tab         choose the target agent",
              "a           approve the pending gate (asks for an optional comment)",
              "r           reject the pending gate (asks for a reason)",
              "A / R       approve / reject every gate waiting for your vote",
              "v           view the gate's details (tool, arguments, digest, quorum)",
              "i           raise an interrupt: 1 pause, 2 stop, 3 emergency, then a message",
              "t           show / hide the thinking panel",
              "/  n        search backwards; n finds the next older match",
              "Up/Down PgUp/PgDn Home/End   scroll; End follows the stream again",
              "Ctrl+C, q   quit (the session stays; run again with the same --id to resume)"};
    } else if (const Gate *g = st.gate(ui.gate); g != nullptr) {
      text = {"Gate " + g->id + " (Esc closes)",
              "",
              "action:      " + g->action_type,
              "message:     " + g->message,
              "agent:       " + display_name(st, g->agent),
              "tool:        " + g->tool_name + "  [" + g->category + ", risk " + g->risk + "]",
              "description: " + g->description,
              "arguments:   " + g->arguments,
              "policy:      " + g->policy_reason,
              "quorum:      " + g->quorum + ", timeout " + std::to_string(g->timeout_seconds) + "s",
              "digest:      " + g->digest,
              "approvals:   " + std::to_string(g->approvals.size())};
    }
    const int bw = std::min(W - 4, 100);
    int rows = 0;
    std::vector<WrappedLine> all;
    for (const auto &t : text) {
      for (auto &l : wrap(L"", widen(pvpd::client::sanitize(t)), bw - 4)) {
        all.push_back(std::move(l));
      }
    }
    rows = std::min<int>(static_cast<int>(all.size()), H - 4);
    const int bx = (W - bw) / 2;
    const int by = std::max(1, (H - rows - 2) / 2);
    for (int r = 0; r < rows + 2; ++r) {
      mvhline(by + r, bx, ' ', bw);
    }
    attron(A_BOLD);
    draw_hline(by, bx, bw);
    draw_hline(by + rows + 1, bx, bw);
    draw_vline(by, bx, rows + 2);
    draw_vline(by, bx + bw - 1, rows + 2);
    attroff(A_BOLD);
    for (int r = 0; r < rows; ++r) {
      put(by + 1 + r, bx + 2, all[static_cast<size_t>(r)].text, r == 0 ? A_BOLD : A_NORMAL, bw - 4);
    }
  }
  refresh();
}

}  // namespace pvp_tui
