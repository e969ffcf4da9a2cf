// echo_smoke: loads an out-of-tree-built pvpd-echo-transport.so through the real loader
// (load_plugin_library) and drives it over TCP with a fake host whose "core thread" is main():
// inbound line -> deliver back -> the client reads it; PVPD_E_AGAIN pauses reads until flow();
// peer EOF -> conn_closed(PEER_GONE); close_conn -> conn_closed(reason) and EOF at the client;
// every buffer reference the plugin took is released by destroy.
//
// Usage: echo_smoke PATH/pvpd-echo-transport.so     (run by tests/oot/oot_build.sh)
// THREAD: the plugin's I/O thread calls the fake host; main() plays the core thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "plugin_host/plugin_library.h"

namespace {

struct Event {
  enum Kind { kOpen, kInbound, kClosed } kind;
  pvpd_conn_id conn;
  std::string text;  // peer for kOpen, the line for kInbound
  int32_t reason;
};

struct FakeBuf {
  std::string bytes;
  std::atomic<int> refs{1};
};
std::atomic<int> g_live_bufs{0};

FakeBuf *fake(const pvpd_buf *b) {
  return reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b));
}

class SmokeHost {
 public:
  SmokeHost() {
    api_.struct_size = sizeof api_;
    api_.abi_major = PVPD_ABI_MAJOR;
    api_.abi_minor = PVPD_ABI_MINOR;
    api_.log = [](pvpd_host_ctx *, int32_t level, pvpd_str m) {
      std::fprintf(stderr, "[plugin %d] %.*s\n", level, static_cast<int>(m.len), m.ptr);
    };
    api_.buf_copy = [](pvpd_host_ctx *, const void *d, size_t n) -> pvpd_buf * {
      auto *b = new FakeBuf;
      b->bytes.assign(static_cast<const char *>(d), n);
      ++g_live_bufs;
      return reinterpret_cast<pvpd_buf *>(b);
    };
    api_.buf_ref = [](const pvpd_buf *b) { ++fake(b)->refs; };
    api_.buf_unref = [](const pvpd_buf *b) {
      if (--fake(b)->refs == 0) {
        --g_live_bufs;
        delete fake(b);
      }
    };
    api_.buf_view = [](const pvpd_buf *b) {
      return pvpd_str{fake(b)->bytes.data(), fake(b)->bytes.size()};
    };
    api_.conn_open = [](pvpd_host_ctx *ctx, const pvpd_conn_info *info,
                        pvpd_conn_id *out) -> pvpd_status {
      SmokeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      *out = ++h->next_id_;
      h->push_locked({Event::kOpen, *out,
                      std::string(info->transport.ptr, info->transport.len) + " " +
                          std::string(info->peer.ptr, info->peer.len),
                      0});
      return PVPD_OK;
    };
    api_.conn_inbound = [](pvpd_host_ctx *ctx, pvpd_conn_id c, pvpd_str json) -> pvpd_status {
      SmokeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      h->push_locked({Event::kInbound, c, std::string(json.ptr, json.len), 0});
      return h->answer_again_ ? PVPD_E_AGAIN : PVPD_OK;
    };
    api_.conn_closed = [](pvpd_host_ctx *ctx, pvpd_conn_id c, int32_t reason) -> pvpd_status {
      SmokeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      h->push_locked({Event::kClosed, c, std::string(), reason});
      return PVPD_OK;
    };
    api_.conn_pressure = [](pvpd_host_ctx *, pvpd_conn_id, uint32_t) -> pvpd_status {
      return PVPD_OK;
    };
  }

  const pvpd_host_api_v1 *api() const { return &api_; }
  pvpd_host_ctx *ctx() { return reinterpret_cast<pvpd_host_ctx *>(this); }
  void set_again(bool v) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_again_ = v;
  }

  // The next event, or fails the run after 5 s.
  Event next(const char *waiting_for) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return !events_.empty(); })) {
      std::fprintf(stderr, "echo_smoke: FAIL: timed out waiting for %s\n", waiting_for);
      std::exit(1);
    }
    Event e = events_.front();
    events_.pop_front();
    return e;
  }
  bool idle_for(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return !events_.empty(); });
  }

 private:
  static SmokeHost *self(pvpd_host_ctx *ctx) { return reinterpret_cast<SmokeHost *>(ctx); }
  void push_locked(Event e) {
    events_.push_back(std::move(e));
    cv_.notify_all();
  }

  pvpd_host_api_v1 api_{};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  pvpd_conn_id next_id_ = 0;
  bool answer_again_ = false;
};

void check(bool ok, const std::string &what) {
  if (!ok) {
    std::fprintf(stderr, "echo_smoke: FAIL: %s\n", what.c_str());
    std::exit(1);
  }
  std::printf("ok: %s\n", what.c_str());
}

int connect_to(unsigned port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0, "tcp connect");
  return fd;
}

void send_all(int fd, const std::string &s) {
  check(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()),
        "send " + std::to_string(s.size()) + " bytes");
}

// One line from the socket ("" on EOF), 5 s timeout.
std::string read_line(int fd, std::string *carry) {
  for (;;) {
    auto nl = carry->find('\n');
    if (nl != std::string::npos) {
      std::string line = carry->substr(0, nl);
      carry->erase(0, nl + 1);
      return line;
    }
    pollfd p{fd, POLLIN, 0};
    check(::poll(&p, 1, 5000) == 1, "socket readable");
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      return std::string();
    }
    carry->append(buf, static_cast<size_t>(n));
  }
}

// The core "routes" a line back to `conn`: one shared buffer, a view, deliver.
void deliver_back(const pvpd_plugin_vtable_v1 &vt, void *self, const SmokeHost &host,
                  pvpd_conn_id conn, const std::string &line) {
  pvpd_buf *buf = host.api()->buf_copy(nullptr, line.data(), line.size());
  pvpd_msg_view msg{};
  msg.struct_size = sizeof msg;
  msg.seq = 1;
  msg.type = pvpd_str{"chat", 4};
  msg.session = pvpd_str{"s1", 2};
  msg.envelope = buf;
  check(vt.deliver(self, &conn, 1, &msg) == PVPD_OK, "deliver");
  host.api()->buf_unref(buf);  // the plugin holds its own reference while queued
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: echo_smoke PATH/pvpd-echo-transport.so\n");
    return 2;
  }
  using pvpd::plugin_host::load_plugin_library;
  using pvpd::plugin_host::Verdict;
  auto outcome = load_plugin_library(argv[1]);
  check(outcome.verdict == Verdict::kOk, "load: " + outcome.message);
  check(outcome.library->name() == "echo-transport", "descriptor name");
  const pvpd_plugin_vtable_v1 &vt = *outcome.library->descriptor().vtable;

  const auto dir =
      std::filesystem::temp_directory_path() / ("pvpd-echo-smoke-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string port_file = (dir / "port").string();
  const std::string config = "{\"listen\":\"127.0.0.1:0\",\"max_line\":1048576,\"port_file\":\"" +
                             port_file + "\",\"queue_limit\":4194304}";

  SmokeHost host;
  void *self = nullptr;
  check(vt.create(host.ctx(), host.api(), pvpd_str{config.data(), config.size()}, &self) == PVPD_OK,
        "create");
  check(vt.start(self) == PVPD_OK, "start");
  unsigned port = 0;
  std::ifstream(port_file) >> port;
  check(port != 0, "port_file holds the bound port (" + std::to_string(port) + ")");

  // Round trip.
  int fd = connect_to(port);
  Event open = host.next("conn_open");
  check(open.kind == Event::kOpen && open.text.rfind("echo 127.0.0.1:", 0) == 0,
        "conn_open with transport echo and the peer address (" + open.text + ")");
  const std::string hello = R"({"v":1,"type":"chat","session":"s1","body":"hi"})";
  send_all(fd, hello + "\n");
  Event in = host.next("conn_inbound");
  check(in.kind == Event::kInbound && in.conn == open.conn && in.text == hello, "inbound line");
  deliver_back(vt, self, host, open.conn, in.text);
  std::string carry;
  check(read_line(fd, &carry) == hello, "the delivered envelope arrives with a newline");

  // Backpressure: AGAIN pauses reads until flow(conn, 1).
  host.set_again(true);
  send_all(fd, "{\"n\":1}\n");
  check(host.next("first paused line").text == "{\"n\":1}", "line accepted with AGAIN");
  host.set_again(false);
  send_all(fd, "{\"n\":2}\n");
  check(host.idle_for(std::chrono::milliseconds(300)), "no reads while paused");
  vt.flow(self, open.conn, 1);
  check(host.next("line after flow").text == "{\"n\":2}", "reads resume after flow");

  // Peer EOF.
  ::close(fd);
  Event closed = host.next("conn_closed after EOF");
  check(closed.kind == Event::kClosed && closed.conn == open.conn &&
            closed.reason == PVPD_CLOSE_PEER_GONE,
        "peer EOF -> conn_closed(PEER_GONE)");

  // Host-initiated close.
  int fd2 = connect_to(port);
  Event open2 = host.next("second conn_open");
  vt.close_conn(self, open2.conn, PVPD_CLOSE_POLICY);
  Event closed2 = host.next("conn_closed after close_conn");
  check(closed2.conn == open2.conn && closed2.reason == PVPD_CLOSE_POLICY,
        "close_conn -> conn_closed(POLICY)");
  std::string carry2;
  check(read_line(fd2, &carry2).empty(), "client sees EOF");
  ::close(fd2);

  // Shutdown with an open connection and a queued message.
  int fd3 = connect_to(port);
  Event open3 = host.next("third conn_open");
  deliver_back(vt, self, host, open3.conn, "{\"bye\":true}");
  vt.stop(self);
  Event closed3 = host.next("conn_closed at stop");
  check(closed3.conn == open3.conn && closed3.reason == PVPD_CLOSE_SHUTDOWN,
        "stop closes connections with SHUTDOWN");
  vt.destroy(self);
  ::close(fd3);
  check(g_live_bufs.load() == 0, "every buffer reference released by destroy");
  std::filesystem::remove_all(dir);
  std::printf("echo_smoke: OK\n");
  return 0;
}
