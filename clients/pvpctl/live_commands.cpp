// pvpctl live commands over WebSocket (see live_commands.h).
#include "live_commands.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "pvpclient/client_state.h"
#include "pvpclient/frames.h"
#include "pvpclient/json_view.h"
#include "pvpclient/session_client.h"
#include "report/session_summary.h"

namespace pvpctl {

// The message summaries moved to daemon/src/report (shared with the daemon's decision report).
using pvpd::report::Message;
using pvpd::report::one_line;
using pvpd::report::parse_message;
using pvpd::report::summarize;

namespace pc = pvpd::client;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 64;

std::atomic<bool> g_stop{false};
extern "C" void on_stop(int) {
  g_stop = true;
}

// Voting and writing commands keep a stable identity (a vote is counted per identity);
// watchers get a per-process one, so two watchers never replace each other's connection.
std::string default_id(const std::string &command) {
  const char *user = std::getenv("USER");
  std::string id = std::string("pvpctl-") + (user != nullptr && *user != '\0' ? user : "user");
  if (command == "watch" || command == "gates") {
    id += "-" + std::to_string(::getpid());
  }
  return id;
}

void print_frame(const std::string &text, bool json) {
  if (json) {
    std::cout << text << "\n" << std::flush;
    return;
  }
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  pvpd::journal::Record r;
  r.seq = !d.HasParseError() ? pc::uint_member(d, "seq").value_or(0) : 0;
  r.message = text;
  const Message m = parse_message(r);
  std::cout << (r.seq != 0 ? "#" + std::to_string(r.seq) : std::string("#-")) << "  "
            << (m.ts.empty() ? "-" : m.ts) << "  "
            << one_line(m.sender.empty() ? "-" : m.sender, 40) << "  "
            << one_line(m.type.empty() ? "?" : m.type, 40) << "  " << summarize(m) << "\n"
            << std::flush;
}

class Live {
 public:
  explicit Live(const LiveArgs &a) : args_(a) {}

  // Connects and joins; returns an exit code on failure.
  std::optional<int> join(const std::string &role, std::vector<std::string> caps, bool reconnect,
                          pc::ClientState *state) {
    std::string err;
    auto url = pc::parse_url(args_.url, &err);
    if (!url) {
      std::cerr << "pvpctl: " << err << "\n";
      return kExitUsage;
    }
    pc::SessionOptions so;
    so.connect.url = *url;
    so.connect.token = args_.token;
    so.connect.insecure = args_.insecure;
    so.connect.reconnect = reconnect;
    so.join.session = args_.positional[0];
    so.join.id = args_.as.empty() ? default_id(args_.command) : args_.as;
    so.join.name = so.join.id;
    so.join.roles = {args_.role.value_or(role)};
    so.join.capabilities = std::move(caps);
    url_text_ = url->redacted();
    client_ = std::make_unique<pc::SessionClient>(so, state);
    client_->on_frame = [this](const std::string &f) { on_frame(f); };
    if (!client_->start()) {
      std::cerr << "pvpctl: cannot set up the WebSocket client\n";
      return kExitFailure;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(args_.timeout_seconds);
    while (Clock::now() < deadline && !g_stop) {
      client_->pump(std::chrono::milliseconds(100));
      const pc::LinkState s = client_->state();
      if (s == pc::LinkState::kLive) {
        return std::nullopt;
      }
      if (s == pc::LinkState::kFailed || s == pc::LinkState::kReconnecting) {
        if (client_->connections() == 0) {
          std::cerr << "pvpctl: cannot connect to " << url_text_ << ": " << client_->last_error()
                    << "\n";
          return kExitUnavailable;
        }
        if (s == pc::LinkState::kFailed) {
          std::cerr << "pvpctl: " << client_->last_error() << "\n";
          return kExitFailure;
        }
      }
    }
    if (client_->connections() == 0) {
      std::cerr << "pvpctl: cannot connect to " << url_text_ << ": timed out\n";
      return kExitUnavailable;
    }
    std::cerr << "pvpctl: the join was not answered within " << args_.timeout_seconds << "s\n";
    return kExitFailure;
  }

  // Sends `f` and waits for its echo (0) or an error naming it (1).
  int request(const pc::Frame &f) {
    pending_id_ = f.id;
    if (!client_->send(f)) {
      std::cerr << "pvpctl: connection lost before sending\n";
      return kExitFailure;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(args_.timeout_seconds);
    while (Clock::now() < deadline && !g_stop && !reply_) {
      client_->pump(std::chrono::milliseconds(100));
      if (client_->state() != pc::LinkState::kLive && !reply_) {
        std::cerr << "pvpctl: connection lost: " << client_->last_error() << "\n";
        return kExitFailure;
      }
    }
    if (!reply_) {
      std::cerr << "pvpctl: no answer from the server within " << args_.timeout_seconds << "s\n";
      return kExitFailure;
    }
    if (!reply_error_.empty()) {
      std::cerr << "pvpctl: refused: " << reply_error_ << "\n";
      return kExitFailure;
    }
    if (args_.json) {
      std::cout << reply_text_ << "\n";
    }
    return kExitOk;
  }

  void leave() {
    if (client_) {
      client_->leave_and_close("pvpctl " + args_.command + " done");
    }
  }

  pc::SessionClient &client() { return *client_; }
  std::function<void(const std::string &)> frame_hook;

 private:
  void on_frame(const std::string &f) {
    if (frame_hook) {
      frame_hook(f);
    }
    if (pending_id_.empty() || reply_) {
      return;
    }
    rapidjson::Document d;
    d.Parse(f.c_str(), f.size());
    if (d.HasParseError() || !d.IsObject()) {
      return;
    }
    const std::string type = pc::str(d, "type");
    const rapidjson::Value *p = pc::member(d, "payload");
    if (type == "error" && p != nullptr && pc::str(*p, "related_to") == pending_id_) {
      reply_ = true;
      reply_error_ = pc::str(*p, "code") + ": " + pc::str(*p, "message");
      reply_text_ = f;
    } else if (pc::str(d, "id") == pending_id_ ||
               (type == "heartbeat.pong" && pc::str(d, "ref") == pending_id_)) {
      reply_ = true;
      reply_text_ = f;
    }
  }

  const LiveArgs &args_;
  std::unique_ptr<pc::SessionClient> client_;
  std::string url_text_;
  std::string pending_id_;
  bool reply_ = false;
  std::string reply_error_;
  std::string reply_text_;
};

const std::vector<std::string> kWriterCaps = {"prompt", "interrupt", "add_context", "fork"};

int cmd_watch(const LiveArgs &a) {
  Live live(a);
  uint64_t printed = 0;
  bool done = false;
  live.frame_hook = [&](const std::string &f) {
    if (done) {
      return;
    }
    print_frame(f, a.json);
    ++printed;
    if (a.count && printed >= *a.count) {
      done = true;
    }
  };
  // An observer: read-only, so watching cannot change the session.
  if (auto rc = live.join("observer", {}, true, nullptr)) {
    return *rc;
  }
  // Link changes go to stderr, so stdout stays one frame per line.
  live.client().on_link = [&live](pc::LinkState s) {
    pc::SessionClient &c = live.client();
    if (s == pc::LinkState::kReconnecting) {
      std::cerr << "pvpctl: connection lost (" << c.last_error() << "); reconnecting\n";
    } else if (s == pc::LinkState::kLive && c.last_resume_from()) {
      std::cerr << "pvpctl: reconnected; resumed after seq " << *c.last_resume_from() << "\n";
    }
  };
  while (!g_stop && !done) {
    live.client().pump(std::chrono::milliseconds(200));
    if (live.client().state() == pc::LinkState::kFailed) {
      std::cerr << "pvpctl: " << live.client().last_error() << "\n";
      return kExitFailure;
    }
  }
  live.leave();
  return kExitOk;
}

int cmd_gates(const LiveArgs &a) {
  Live live(a);
  pc::ClientState state(a.as.empty() ? default_id(a.command) : a.as);
  if (auto rc = live.join("observer", {}, false, &state)) {
    return *rc;
  }
  const auto gates = state.open_gates();
  if (a.json) {
    for (const pc::Gate *g : gates) {
      rapidjson::Document d(rapidjson::kObjectType);
      auto &al = d.GetAllocator();
      auto s = [&](const char *k, const std::string &v) {
        d.AddMember(rapidjson::StringRef(k), rapidjson::Value(v.c_str(), al), al);
      };
      s("gate", g->id);
      s("request", g->request_id);
      s("tool_name", g->tool_name);
      s("agent", g->agent);
      s("risk_level", g->risk);
      s("message", g->message);
      s("digest", g->digest);
      rapidjson::Value approvals(rapidjson::kArrayType);
      for (const auto &ap : g->approvals) {
        approvals.PushBack(rapidjson::Value(ap.c_str(), al), al);
      }
      d.AddMember("approvals", approvals, al);
      std::cout << pc::to_json(d) << "\n";
    }
  } else {
    if (gates.empty()) {
      std::cout << "no open gates\n";
    }
    for (const pc::Gate *g : gates) {
      std::cout << g->id << "  " << (g->tool_name.empty() ? "-" : g->tool_name) << "  "
                << (g->agent.empty() ? "-" : g->agent) << "  risk "
                << (g->risk.empty() ? "?" : g->risk) << "  " << g->approvals.size()
                << " approval(s)  " << one_line(g->message, 100) << "\n";
    }
  }
  live.leave();
  return kExitOk;
}

int one_shot(const LiveArgs &a, const std::string &role, std::vector<std::string> caps,
             const std::function<std::optional<pc::Frame>(const std::string &self)> &make) {
  Live live(a);
  if (auto rc = live.join(role, std::move(caps), false, nullptr)) {
    return *rc;
  }
  std::optional<pc::Frame> f = make(a.as.empty() ? default_id(a.command) : a.as);
  if (!f) {
    live.leave();
    return kExitUsage;
  }
  const int rc = live.request(*f);
  live.leave();
  return rc;
}

}  // namespace

bool is_live_command(const std::string &c) {
  return c == "watch" || c == "send" || c == "prompt" || c == "approve" || c == "reject" ||
         c == "gates" || c == "agent";
}

int run_live(const LiveArgs &a) {
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGPIPE, SIG_IGN);
  if (a.command == "agent") {
    // agent attach SESSION INSTANCE: an admin asks an agent plugin instance to join (the
    // pvpd extension frame agent.attach; recorded in the session).
    LiveArgs attach = a;  // the connection joins positional[0]: the session
    attach.positional = {a.positional[1], a.positional[2]};
    const std::string &session = attach.positional[0];
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("agent");
    w.String(a.positional[2].c_str(), static_cast<rapidjson::SizeType>(a.positional[2].size()));
    w.EndObject();
    const std::string payload(buf.GetString(), buf.GetSize());
    return one_shot(attach, "admin", {}, [&](const std::string &self) {
      std::string err;
      auto f = pc::custom_frame(session, self, "agent.attach", payload, &err);
      if (!f) {
        std::cerr << "pvpctl: " << err << "\n";
      }
      return f;
    });
  }
  const std::string &session = a.positional[0];
  if (a.command == "watch") {
    return cmd_watch(a);
  }
  if (a.command == "gates") {
    return cmd_gates(a);
  }
  if (a.command == "send") {
    return one_shot(a, "driver", kWriterCaps, [&](const std::string &self) {
      std::string err;
      auto f = pc::custom_frame(session, self, a.positional[1], a.positional[2], &err);
      if (!f) {
        std::cerr << "pvpctl: " << err << "\n";
      }
      return f;
    });
  }
  if (a.command == "prompt") {
    return one_shot(a, "driver", kWriterCaps, [&](const std::string &self) {
      return std::optional<pc::Frame>(
          pc::prompt_submit_frame(session, self, a.positional[1], a.to, {self}));
    });
  }
  if (a.command == "approve") {
    return one_shot(a, "approver", {"approve"}, [&](const std::string &self) {
      return std::optional<pc::Frame>(
          pc::gate_approve_frame(session, self, a.positional[1], a.comment, ""));
    });
  }
  return one_shot(a, "approver", {"approve"}, [&](const std::string &self) {
    return std::optional<pc::Frame>(pc::gate_reject_frame(
        session, self, a.positional[1], a.reason.empty() ? "Rejected via pvpctl" : a.reason));
  });
}

}  // namespace pvpctl
