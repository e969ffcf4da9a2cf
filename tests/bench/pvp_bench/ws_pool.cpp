// One lws client context, many connections (see ws_pool.h).
#include "ws_pool.h"

#include <algorithm>
#include <cstring>

namespace pvpbench {
namespace {
constexpr int kWritesPerCallback = 64;  // fairness between connections
constexpr std::size_t kMaxFrame = 1 << 20;
}  // namespace

Pool::Pool(std::string host, int port, Handler *handler)
    : host_(std::move(host)), port_(port), handler_(handler) {
  lws_set_log_level(LLL_ERR, nullptr);
  protocols_[0].name = "pvp-bench";
  protocols_[0].callback = &Pool::callback;
  protocols_[0].per_session_data_size = 0;
  protocols_[0].rx_buffer_size = 16 * 1024;
  protocols_[1] = lws_protocols{};
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols_;
  info.gid = -1;
  info.uid = -1;
  info.user = this;
  info.timeout_secs = 30;
  info.connect_timeout_secs = 30;
  info.pt_serv_buf_size = 64 * 1024;
  context_ = lws_create_context(&info);
  scratch_.resize(LWS_PRE + kMaxFrame);
  if (context_ != nullptr) {
    heartbeat_.pool = this;
    lws_sul_schedule(context_, 0, &heartbeat_.sul, &Pool::on_heartbeat, 10 * 1000);
  }
}

Pool::~Pool() {
  destroying_ = true;  // the close callbacks of teardown are not failures
  if (context_ != nullptr) {
    lws_context_destroy(context_);
  }
}

Conn &Pool::connect(const std::string &path) {
  Conn &c = conns_.emplace_back();
  c.index = conns_.size() - 1;
  lws_client_connect_info ci{};
  ci.context = context_;
  ci.address = host_.c_str();
  ci.port = port_;
  ci.path = path.c_str();
  ci.host = host_.c_str();
  ci.origin = host_.c_str();
  ci.protocol = nullptr;
  ci.local_protocol_name = protocols_[0].name;
  ci.userdata = &c;
  ci.pwsi = &c.wsi;
  if (lws_client_connect_via_info(&ci) == nullptr) {
    c.failed = true;
    c.closed = true;
    c.error = "lws_client_connect_via_info failed";
    handler_->on_closed(c);
  }
  return c;
}

void Pool::send(Conn &c, std::string frame) {
  if (c.closed) {
    return;
  }
  c.out.push_back(std::move(frame));
  if (c.wsi != nullptr && c.open) {
    lws_callback_on_writable(c.wsi);
  }
}

void Pool::want_write(Conn &c) {
  if (c.wsi != nullptr && c.open && !c.closed) {
    lws_callback_on_writable(c.wsi);
  }
}

void Pool::close(Conn &c) {
  if (c.wsi != nullptr && !c.closed) {
    lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

void Pool::after(std::chrono::microseconds delay, std::function<void()> fn) {
  // Finished timers are reused so a long run at a high rate does not grow the list.
  Timer *t = nullptr;
  for (auto &x : timers_) {
    if (x->done) {
      t = x.get();
      break;
    }
  }
  if (t == nullptr) {
    timers_.push_back(std::make_unique<Timer>());
    t = timers_.back().get();
  }
  std::memset(&t->sul, 0, sizeof t->sul);
  t->pool = this;
  t->fn = std::move(fn);
  t->done = false;
  lws_sul_schedule(context_, 0, &t->sul, &Pool::on_timer,
                   static_cast<lws_usec_t>(std::max<int64_t>(delay.count(), 1)));
}

void Pool::on_timer(lws_sorted_usec_list_t *sul) {
  auto *t = reinterpret_cast<Timer *>(sul);
  std::function<void()> fn = std::move(t->fn);
  t->done = true;
  fn();
}

bool Pool::run_until(const std::function<bool()> &pred, Clock::time_point deadline) {
  bool held = pred();
  while (!held && Clock::now() < deadline) {
    if (lws_service(context_, 0) < 0) {
      break;
    }
    held = pred();
  }
  return held;
}

void Pool::on_heartbeat(lws_sorted_usec_list_t *sul) {
  // Re-arms itself: it bounds every lws_service() wait so run_until() sees its deadline.
  auto *self = reinterpret_cast<Heartbeat *>(sul)->pool;
  lws_sul_schedule(self->context_, 0, &self->heartbeat_.sul, &Pool::on_heartbeat, 10 * 1000);
}

int Pool::on_writeable(Conn &c) {
  for (int i = 0; i < kWritesPerCallback && !c.out.empty(); ++i) {
    const std::string &f = c.out.front();
    const std::size_t n = std::min(f.size(), kMaxFrame);
    std::memcpy(scratch_.data() + LWS_PRE, f.data(), n);
    if (lws_write(c.wsi, scratch_.data() + LWS_PRE, n, LWS_WRITE_TEXT) < static_cast<int>(n)) {
      return -1;
    }
    ++c.frames_out;
    c.out.pop_front();
    if (lws_send_pipe_choked(c.wsi)) {
      break;
    }
  }
  if (!c.out.empty()) {
    lws_callback_on_writable(c.wsi);
  } else {
    handler_->on_drained(c);
  }
  return 0;
}

int Pool::callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   std::size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  auto *self = ctx == nullptr ? nullptr : static_cast<Pool *>(lws_context_user(ctx));
  auto *c = static_cast<Conn *>(user);
  if (self == nullptr || c == nullptr || self->destroying_) {
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
  switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      c->open = true;
      c->wsi = wsi;
      self->handler_->on_open(*c);
      if (!c->out.empty()) {
        lws_callback_on_writable(wsi);
      }
      return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      c->failed = true;
      c->closed = true;
      c->error = in != nullptr ? std::string(static_cast<const char *>(in), len) : "connect error";
      c->wsi = nullptr;
      self->handler_->on_closed(*c);
      return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      c->in.append(static_cast<const char *>(in), len);
      if (lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0) {
        ++c->frames_in;
        self->handler_->on_message(*c, c->in);
        c->in.clear();
      }
      return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE: return c->closed ? -1 : self->on_writeable(*c);
    case LWS_CALLBACK_CLIENT_CLOSED:
      if (!c->closed) {
        c->closed = true;
        c->open = false;
        c->wsi = nullptr;
        self->handler_->on_closed(*c);
      }
      return 0;
    default: break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}  // namespace pvpbench
