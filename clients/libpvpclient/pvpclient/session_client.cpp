// Session link: join, resume, pongs (see session_client.h).
#include "pvpclient/session_client.h"

#include <rapidjson/document.h>

#include <cstdio>

#include "pvpclient/json_view.h"

namespace pvpd::client {

const char *link_name(LinkState s) {
  switch (s) {
    case LinkState::kConnecting: return "connecting";
    case LinkState::kJoining: return "joining";
    case LinkState::kLive: return "connected";
    case LinkState::kReconnecting: return "reconnecting";
    case LinkState::kFailed: return "failed";
    case LinkState::kClosed: return "closed";
  }
  return "?";
}

SessionClient::SessionClient(SessionOptions options, ClientState *state)
    : options_(std::move(options)),
      state_(state),
      conn_(std::make_unique<WsConnection>(options_.connect)) {}

SessionClient::~SessionClient() = default;

bool SessionClient::start() {
  return conn_->start();
}

int SessionClient::wake_fd() const {
  return conn_->wake_fd();
}

void SessionClient::set_link(LinkState s) {
  link_ = s;
  if (on_link) {
    on_link(s);
  }
}

bool SessionClient::send(const Frame &f) {
  return link_ == LinkState::kLive && conn_->send(f.text);
}

void SessionClient::leave_and_close(const std::string &reason) {
  if (link_ == LinkState::kLive) {
    conn_->send(leave_frame(options_.join.session, options_.join.id, reason).text);
  }
  conn_->close();
  set_link(LinkState::kClosed);
}

std::string SessionClient::status_text() const {
  if (link_ == LinkState::kReconnecting) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        retry_at_ - std::chrono::steady_clock::now());
    char buf[96];
    std::snprintf(buf, sizeof buf, "reconnecting in %.1fs (attempt %u)",
                  static_cast<double>(std::max<int64_t>(0, left.count())) / 1000.0, attempt_);
    return buf;
  }
  if (link_ == LinkState::kFailed) {
    return "offline: " + last_error_;
  }
  return link_name(link_);
}

void SessionClient::handle_open() {
  ++connections_;
  set_link(LinkState::kJoining);
  if (options_.create) {
    conn_->send(create_frame(options_.join.session, options_.join.id, options_.create_name).text);
  }
  JoinRequest j = options_.join;
  // Resume only after a first join: before that there is nothing to keep.
  if (joined_once_ && dedup_.cursor() > 0) {
    j.resume_from = dedup_.cursor();
  }
  last_resume_from_ = j.resume_from;
  Frame f = join_frame(j);
  join_id_ = f.id;
  conn_->send(f.text);
}

void SessionClient::handle_message(const std::string &text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (!d.HasParseError() && d.IsObject()) {
    const std::string type = str(d, "type");
    const uint64_t seq = uint_member(d, "seq").value_or(0);
    if (!dedup_.first_time(seq, str(d, "id"), type)) {
      return;  // replayed again after a reconnect: already seen
    }
    if (type == "heartbeat.ping" && options_.answer_pings) {
      conn_->send(pong_frame(options_.join.session, options_.join.id, str(d, "id")).text);
    }
    if (link_ == LinkState::kJoining) {
      const rapidjson::Value *p = member(d, "payload");
      if (type == "participant.announce" && str(d, "sender") == options_.join.id) {
        joined_once_ = true;
        set_link(LinkState::kLive);
      } else if (type == "error" && p != nullptr && str(*p, "related_to") == join_id_) {
        last_error_ = "join refused: " + str(*p, "message");
        if (state_ != nullptr) {
          state_->apply(text);
        }
        if (on_frame) {
          on_frame(text);
        }
        conn_->close();
        set_link(LinkState::kFailed);
        return;
      }
    }
  }
  if (state_ != nullptr) {
    state_->apply(text);
  }
  if (on_frame) {
    on_frame(text);
  }
}

size_t SessionClient::pump(std::chrono::milliseconds wait) {
  size_t n = 0;
  for (;;) {
    std::optional<Event> e = conn_->next(n == 0 ? wait : std::chrono::milliseconds(0));
    if (!e) {
      return n;
    }
    ++n;
    switch (e->kind) {
      case EventKind::kOpen: handle_open(); break;
      case EventKind::kMessage:
        if (link_ != LinkState::kFailed && link_ != LinkState::kClosed) {
          handle_message(e->data);
        }
        break;
      case EventKind::kClosed:
        if (link_ == LinkState::kFailed || link_ == LinkState::kClosed) {
          break;
        }
        last_error_ = e->detail;
        attempt_ = e->attempt;
        retry_at_ = std::chrono::steady_clock::now() + e->retry_in;
        if (state_ != nullptr && (link_ == LinkState::kLive || link_ == LinkState::kJoining)) {
          state_->add_notice("disconnected (" + e->detail + "); reconnecting");
        }
        set_link(LinkState::kReconnecting);
        break;
      case EventKind::kGaveUp:
        if (link_ == LinkState::kClosed) {
          break;
        }
        if (link_ != LinkState::kFailed) {
          last_error_ = e->detail;
        }
        set_link(LinkState::kFailed);
        break;
    }
  }
}

}  // namespace pvpd::client
