// The plugin runtime (Receiver: sockets, listener thread, HostSink) against a fake host table:
// real UDP on 127.0.0.1, host calls recorded under a mutex, "core thread" hooks (deliver,
// close_conn, status_json) called from the test thread while the listener thread runs. Run
// under TSan in CI, this is the test that checks the plugin's threading.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "receiver.h"
#include "t140_test_support.h"

namespace pvpd::t140::testing {
namespace {

struct FakeBuf {
  std::string data;
  std::atomic<int> refs{1};
};

struct Call {
  std::string fn;
  pvpd_conn_id conn = 0;
  std::string text;  // frame, or transport|peer|credential|flags for conn_open
};

struct FakeHost {
  std::mutex mu;
  std::vector<Call> calls;
  std::atomic<bool> stopped{false};
  std::atomic<int> calls_after_stop{0};
  pvpd_conn_id next = 100;

  void record(Call c) {
    if (stopped.load()) {
      ++calls_after_stop;
    }
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(std::move(c));
  }
  std::vector<Call> snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
};

FakeHost *host_of(pvpd_host_ctx *ctx) {
  return reinterpret_cast<FakeHost *>(ctx);
}

pvpd_host_api_v1 make_api() {
  pvpd_host_api_v1 api{};
  api.struct_size = sizeof api;
  api.abi_major = PVPD_ABI_MAJOR;
  api.abi_minor = PVPD_ABI_MINOR;
  api.log = [](pvpd_host_ctx *, int32_t, pvpd_str) {};
  api.buf_copy = [](pvpd_host_ctx *, const void *data, size_t len) -> pvpd_buf * {
    auto *b = new FakeBuf;
    b->data.assign(static_cast<const char *>(data), len);
    return reinterpret_cast<pvpd_buf *>(b);
  };
  api.buf_ref = [](const pvpd_buf *b) {
    ++reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b))->refs;
  };
  api.buf_unref = [](const pvpd_buf *b) {
    auto *f = reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b));
    if (--f->refs == 0) {
      delete f;
    }
  };
  api.buf_view = [](const pvpd_buf *b) {
    const auto *f = reinterpret_cast<const FakeBuf *>(b);
    return pvpd_str{f->data.data(), f->data.size()};
  };
  api.conn_open = [](pvpd_host_ctx *ctx, const pvpd_conn_info *info, pvpd_conn_id *out) {
    FakeHost *h = host_of(ctx);
    {
      std::lock_guard<std::mutex> lock(h->mu);
      *out = ++h->next;
    }
    h->record({"conn_open", *out,
               std::string(to_view(info->transport)) + "|" + std::string(to_view(info->peer)) +
                   "|" + std::string(to_view(info->credential)) + "|" +
                   std::to_string(info->flags)});
    return PVPD_OK;
  };
  api.conn_inbound = [](pvpd_host_ctx *ctx, pvpd_conn_id conn, pvpd_str json) {
    host_of(ctx)->record({"conn_inbound", conn, std::string(to_view(json))});
    return PVPD_OK;
  };
  api.conn_closed = [](pvpd_host_ctx *ctx, pvpd_conn_id conn, int32_t reason) {
    host_of(ctx)->record({"conn_closed", conn, std::to_string(reason)});
    return PVPD_OK;
  };
  return api;
}

std::string type_of(const std::string &frame) {
  rapidjson::Document d;
  d.Parse(frame.c_str());
  return d.IsObject() && d.HasMember("type") ? d["type"].GetString() : "";
}

std::string content_of(const std::string &frame) {
  rapidjson::Document d;
  d.Parse(frame.c_str());
  return d["payload"]["content"].GetString();
}

bool eventually(const std::function<bool()> &pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(Receiver, StreamsBecomeConnectionsAndStopFlushesEverything) {
  FakeHost fake;
  pvpd_host_api_v1 api = make_api();
  auto dir = std::filesystem::temp_directory_path() / ("t140-recv-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Settings settings;
  ListenerSettings l;
  l.name = "main";
  l.port = 0;
  l.port_file = (dir / "port").string();
  l.session = "s1";
  l.token = "tok-123";
  l.chunking = ChunkPolicy{100, 500, 1024};
  settings.listeners.push_back(l);
  Receiver receiver(pvpd::Host(reinterpret_cast<pvpd_host_ctx *>(&fake), &api), settings);
  ASSERT_EQ(receiver.start(), PVPD_OK);
  int port = 0;
  std::ifstream(l.port_file) >> port;
  ASSERT_GT(port, 0);

  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Core-thread hooks race with the listener thread on purpose (TSan checks the sharing).
  std::atomic<bool> done{false};
  std::thread core([&] {
    while (!done.load()) {
      std::string status = receiver.status_json();
      rapidjson::Document d;
      d.Parse(status.c_str());
      ASSERT_TRUE(d.IsObject());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const auto packets = load_capture("rtp-basic.jsonl");
  auto send = [&](std::size_t from, std::size_t to_index) {
    for (std::size_t i = from; i < to_index; ++i) {
      ::sendto(fd, packets[i].bytes.data(), packets[i].bytes.size(), 0,
               reinterpret_cast<sockaddr *>(&to), sizeof to);
    }
  };
  send(0, 3);  // "Hello world. Café au lait! "
  auto contents = [&] {
    std::vector<std::string> out;
    for (const Call &c : fake.snapshot()) {
      if (c.fn == "conn_inbound" && type_of(c.text) == "context.add") {
        out.push_back(content_of(c.text));
      }
    }
    return out;
  };
  ASSERT_TRUE(eventually([&] { return contents().size() >= 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(contents()[0], "Hello world.");
  EXPECT_EQ(contents()[1], "Caf\xc3\xa9 au lait!");

  auto calls = fake.snapshot();
  ASSERT_EQ(calls[0].fn, "conn_open");
  const pvpd_conn_id conn = calls[0].conn;
  EXPECT_EQ(calls[0].text.substr(0, calls[0].text.find('|')), "t140");
  EXPECT_NE(calls[0].text.find("|tok-123|"), std::string::npos) << "token as the credential";
  EXPECT_EQ(calls[0].text.substr(calls[0].text.rfind('|') + 1), std::to_string(PVPD_CONN_LOCAL));
  EXPECT_EQ(type_of(calls[1].text), "session.create");
  EXPECT_EQ(type_of(calls[2].text), "session.join");

  // An error for our connection is counted; the host closing it makes the next text rejoin.
  const std::string error = R"({"type":"error","payload":{"code":"UNAUTHORIZED"}})";
  pvpd_buf *buf = api.buf_copy(nullptr, error.data(), error.size());
  pvpd_msg_view msg{};
  msg.struct_size = sizeof msg;
  msg.type = to_str("error");
  msg.envelope = buf;
  receiver.on_deliver(&conn, 1, msg);
  api.buf_unref(buf);
  receiver.on_host_close(conn, PVPD_CLOSE_POLICY);
  send(3, packets.size());
  auto opens = [&] {
    int n = 0;
    for (const Call &c : fake.snapshot()) {
      n += c.fn == "conn_open" ? 1 : 0;
    }
    return n;
  };
  ASSERT_TRUE(
      eventually([&] { return opens() == 2 && contents().size() >= 3; }, std::chrono::seconds(10)));
  done = true;
  core.join();
  receiver.stop();
  fake.stopped = true;
  ::close(fd);

  calls = fake.snapshot();
  int closed = 0;
  for (const Call &c : calls) {
    closed += c.fn == "conn_closed" ? 1 : 0;
  }
  EXPECT_EQ(closed, 2) << "the first by the host's request, the second at stop";
  EXPECT_EQ(calls.back().fn, "conn_closed");
  EXPECT_NE(calls.back().conn, conn);
  EXPECT_EQ(type_of(calls[calls.size() - 2].text), "session.leave");
  const auto all = contents();
  EXPECT_EQ(all.back(), "Bye.") << "stop flushed the tail";
  std::string status = receiver.status_json();
  EXPECT_NE(status.find("\"host_errors\":1"), std::string::npos) << status;
  EXPECT_NE(status.find("UNAUTHORIZED"), std::string::npos);
  EXPECT_EQ(status.find("tok-123"), std::string::npos) << "the token never shows";
  EXPECT_EQ(fake.calls_after_stop.load(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pvpd::t140::testing
