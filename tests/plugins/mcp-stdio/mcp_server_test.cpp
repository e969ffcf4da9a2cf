// Tests of McpServer (the socket side and its I/O thread) against a fake host table: real unix
// sockets, no daemon. The "core thread" is the test thread calling deliver/close_conn/flow while
// the plugin thread serves clients, so these also exercise the cross-thread paths under TSan.
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mcp_server.h"

namespace pvpd::mcp::testing {
namespace {

using namespace std::chrono_literals;

struct FakeBuf {
  std::atomic<int> refs{1};
  std::string data;
};

// A host table whose functions record what the plugin did. THREAD: any (mutex inside).
class FakeHost {
 public:
  FakeHost() {
    dir_ = std::filesystem::temp_directory_path() /
           ("pvpd-mcp-fake-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    dir_text_ = dir_.string();
    api_.struct_size = sizeof api_;
    api_.abi_major = PVPD_ABI_MAJOR;
    api_.abi_minor = PVPD_ABI_MINOR;
    api_.log = [](pvpd_host_ctx *, int32_t, pvpd_str) {};
    api_.buf_copy = [](pvpd_host_ctx *, const void *d, size_t n) -> pvpd_buf * {
      auto *b = new FakeBuf;
      b->data.assign(static_cast<const char *>(d), n);
      return reinterpret_cast<pvpd_buf *>(b);
    };
    api_.buf_ref = [](const pvpd_buf *b) {
      reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b))->refs++;
    };
    api_.buf_unref = [](const pvpd_buf *b) {
      auto *f = reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b));
      if (--f->refs == 0) {
        delete f;
      }
    };
    api_.buf_view = [](const pvpd_buf *b) {
      const auto *f = reinterpret_cast<const FakeBuf *>(b);
      return pvpd_str{f->data.data(), f->data.size()};
    };
    api_.conn_open = [](pvpd_host_ctx *ctx, const pvpd_conn_info *info, pvpd_conn_id *out) {
      FakeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      *out = ++h->next_id_;
      h->opened.push_back(
          {*out, std::string(info->transport.ptr, info->transport.len), info->flags});
      h->cv_.notify_all();
      return PVPD_OK;
    };
    api_.conn_inbound = [](pvpd_host_ctx *ctx, pvpd_conn_id id, pvpd_str json) {
      FakeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      h->inbound.push_back({id, std::string(json.ptr, json.len)});
      h->cv_.notify_all();
      return h->inbound_status;
    };
    api_.conn_closed = [](pvpd_host_ctx *ctx, pvpd_conn_id id, int32_t reason) {
      FakeHost *h = self(ctx);
      std::lock_guard<std::mutex> lock(h->mu_);
      h->closed.push_back({id, reason});
      h->cv_.notify_all();
      return PVPD_OK;
    };
    api_.state_dir = [](pvpd_host_ctx *ctx) {
      FakeHost *h = self(ctx);
      return pvpd_str{h->dir_text_.c_str(), h->dir_text_.size()};
    };
  }
  ~FakeHost() { std::filesystem::remove_all(dir_); }

  pvpd::Host host() { return pvpd::Host(reinterpret_cast<pvpd_host_ctx *>(this), &api_); }
  std::string dir() const { return dir_text_; }

  // Waits until pred() holds (called under the lock).
  template <typename Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, pred);
  }

  struct Opened {
    pvpd_conn_id id;
    std::string transport;
    uint32_t flags;
  };
  std::vector<Opened> opened;
  std::vector<std::pair<pvpd_conn_id, std::string>> inbound;
  std::vector<std::pair<pvpd_conn_id, int32_t>> closed;
  pvpd_status inbound_status = PVPD_OK;
  std::mutex mu_;

 private:
  static FakeHost *self(pvpd_host_ctx *ctx) { return reinterpret_cast<FakeHost *>(ctx); }
  static inline std::atomic<int> counter_{0};
  pvpd_host_api_v1 api_{};
  std::filesystem::path dir_;
  std::string dir_text_;
  std::condition_variable cv_;
  pvpd_conn_id next_id_ = 0;
};

class Client {
 public:
  explicit Client(const std::string &path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  bool ok() const { return fd_ >= 0; }
  void send(const std::string &line) {
    std::string d = line + "\n";
    ASSERT_EQ(::send(fd_, d.data(), d.size(), MSG_NOSIGNAL), static_cast<ssize_t>(d.size()));
  }
  // One line, or nullopt on timeout/EOF (eof() tells which).
  std::optional<std::string> line(std::chrono::milliseconds timeout = 5s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char chunk[4096];
      ssize_t r = ::read(fd_, chunk, sizeof chunk);
      if (r <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<std::size_t>(r));
    }
  }
  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

const char *kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})";

// Delivers one envelope as the core would (a fresh host buffer, borrowed for the call).
void deliver(McpServer &s, FakeHost &h, pvpd_conn_id id, const std::string &json) {
  pvpd::BufRef buf = h.host().copy(json);
  pvpd_msg_view view{};
  view.struct_size = sizeof view;
  view.envelope = buf.get();
  ASSERT_EQ(s.deliver(&id, 1, view), PVPD_OK);
}

TEST(McpServer, ServesClientsRegistersConnectionsAndRemovesTheSocketOnStop) {
  FakeHost h;
  McpServer server(h.host(), Settings());
  ASSERT_EQ(server.start(), PVPD_OK);
  EXPECT_EQ(server.socket_path(), h.dir() + "/mcp.sock");
  struct stat st {};
  ASSERT_EQ(::stat(server.socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Client a(server.socket_path());
  ASSERT_TRUE(a.ok());
  a.send(kInit);
  auto r = a.line();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::string(parse(*r)["result"]["protocolVersion"].GetString()), "2025-06-18");
  ASSERT_TRUE(h.wait([&] { return h.opened.size() == 1; }));
  EXPECT_EQ(h.opened[0].transport, "mcp");
  EXPECT_EQ(h.opened[0].flags, PVPD_CONN_LOCAL);
  EXPECT_NE(server.status_json().find("\"connections\":1"), std::string::npos);

  Client b(server.socket_path());
  ASSERT_TRUE(h.wait([&] { return h.opened.size() == 2; }));
  server.stop();
  EXPECT_TRUE(h.closed.size() == 2 && h.closed[0].second == PVPD_CLOSE_SHUTDOWN);
  EXPECT_FALSE(std::filesystem::exists(server.socket_path()));
  EXPECT_FALSE(a.line(1s).has_value());
  EXPECT_TRUE(a.eof());
}

TEST(McpServer, DeliveriesFromTheCoreThreadAnswerLongPollsWhileClientsTalk) {
  FakeHost h;
  McpServer server(h.host(), Settings());
  ASSERT_EQ(server.start(), PVPD_OK);
  Client c(server.socket_path());
  c.send(kInit);
  ASSERT_TRUE(c.line().has_value());
  c.send(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pvp_join","arguments":{"session":"s","participant_id":"me"}}})");
  ASSERT_TRUE(h.wait([&] { return !h.inbound.empty(); }));
  pvpd_conn_id id = h.inbound[0].first;
  EXPECT_NE(h.inbound[0].second.find("\"session.join\""), std::string::npos);
  deliver(
      server, h, id,
      R"({"v":1,"type":"participant.announce","id":"a","session":"s","sender":"me","payload":{"id":"me","name":"me","type":"agent","roles":[],"transport":"mcp"}})");
  auto joined = c.line();
  ASSERT_TRUE(joined.has_value());
  EXPECT_NE(joined->find("Joined session s as me"), std::string::npos) << *joined;

  // A long-poll on the plugin thread, answered by a burst the "core" delivers concurrently.
  c.send(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"pvp_read_messages","arguments":{"wait_seconds":10,"types":["response.chunk"]}}})");
  std::thread core([&] {
    for (int i = 0; i < 200; ++i) {
      deliver(server, h, id,
              R"({"v":1,"type":"response.chunk","id":"c)" + std::to_string(i) +
                  R"(","session":"s","sender":"bot","payload":{"text":"x"}})");
    }
  });
  auto got = c.line();
  core.join();
  ASSERT_TRUE(got.has_value());
  auto d = parse(*got);
  EXPECT_EQ(d["id"].GetInt(), 3);
  EXPECT_NE(std::string(d["result"]["content"][0]["text"].GetString()).find("response.chunk"),
            std::string::npos);
  server.stop();
}

TEST(McpServer, CloseConnFromTheCoreClosesTheClient) {
  FakeHost h;
  McpServer server(h.host(), Settings());
  ASSERT_EQ(server.start(), PVPD_OK);
  Client c(server.socket_path());
  ASSERT_TRUE(h.wait([&] { return h.opened.size() == 1; }));
  server.close_conn(h.opened[0].id, PVPD_CLOSE_POLICY);
  EXPECT_FALSE(c.line().has_value());
  EXPECT_TRUE(c.eof());
  ASSERT_TRUE(h.wait([&] { return h.closed.size() == 1; }));
  EXPECT_EQ(h.closed[0].second, PVPD_CLOSE_POLICY);
  server.stop();
  EXPECT_EQ(h.closed.size(), 1u) << "conn_closed exactly once per connection";
}

TEST(McpServer, IngressBackpressurePausesReadingUntilFlow) {
  FakeHost h;
  McpServer server(h.host(), Settings());
  ASSERT_EQ(server.start(), PVPD_OK);
  Client c(server.socket_path());
  c.send(kInit);
  ASSERT_TRUE(c.line().has_value());
  {
    std::lock_guard<std::mutex> lock(h.mu_);
    h.inbound_status = PVPD_E_AGAIN;  // accepted, but the core's queue is full
  }
  c.send(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pvp_join","arguments":{"session":"s"}}})");
  ASSERT_TRUE(h.wait([&] { return h.inbound.size() == 1; }));
  c.send(R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
  EXPECT_FALSE(c.line(300ms).has_value()) << "reads are paused";
  {
    std::lock_guard<std::mutex> lock(h.mu_);
    h.inbound_status = PVPD_OK;
  }
  server.flow(h.inbound[0].first, 1);
  auto pong = c.line();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(parse(*pong)["id"].GetInt(), 3);
  server.stop();
}

TEST(McpServer, ARefusedSocketPathFailsStart) {
  FakeHost h;
  Settings s;
  s.socket = h.dir() + "/not-a-socket";
  {
    std::FILE *f = std::fopen(s.socket.c_str(), "w");
    std::fclose(f);
  }
  McpServer server(h.host(), s);
  EXPECT_EQ(server.start(), PVPD_E_IO);
  EXPECT_TRUE(std::filesystem::is_regular_file(s.socket)) << "a non-socket file is never replaced";
  server.stop();
}

TEST(McpServer, TooManyConnectionsAreTurnedAway) {
  FakeHost h;
  Settings s;
  s.max_connections = 1;
  McpServer server(h.host(), s);
  ASSERT_EQ(server.start(), PVPD_OK);
  Client a(server.socket_path());
  ASSERT_TRUE(h.wait([&] { return h.opened.size() == 1; }));
  Client b(server.socket_path());
  auto r = b.line();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(parse(*r)["error"]["code"].GetInt(), -32000);
  EXPECT_FALSE(b.line(1s).has_value());
  EXPECT_TRUE(b.eof());
  server.stop();
}

}  // namespace
}  // namespace pvpd::mcp::testing
