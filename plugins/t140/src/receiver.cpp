// Sockets and the listener thread; see receiver.h.
#include "receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace pvpd::t140 {
namespace {

// A whole UDP datagram fits; anything that does not is reported truncated by the kernel.
constexpr std::size_t kRecvBuffer = 65536;
// Datagrams read from one socket per wake-up, so a flooded listener cannot starve the others.
constexpr int kBatch = 64;
constexpr int kTickMs = 50;

// At most `max` bytes, cut at a UTF-8 code point boundary so JSON stays valid.
std::string utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) {
    return std::string(s);
  }
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xc0) == 0x80) {
    --max;
  }
  return std::string(s.substr(0, max));
}

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool to_peer(const sockaddr_storage &ss, PeerAddress *out) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto &a = reinterpret_cast<const sockaddr_in &>(ss);
    out->family = AF_INET;
    std::memcpy(out->bytes, &a.sin_addr, 4);
    out->port = ntohs(a.sin_port);
    out->loopback = out->bytes[0] == 127;
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  } else if (ss.ss_family == AF_INET6) {
    const auto &a = reinterpret_cast<const sockaddr_in6 &>(ss);
    out->family = AF_INET6;
    std::memcpy(out->bytes, &a.sin6_addr, 16);
    out->port = ntohs(a.sin6_port);
    out->loopback = IN6_IS_ADDR_LOOPBACK(&a.sin6_addr);
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  } else {
    return false;
  }
  out->ip = text;
  return true;
}

}  // namespace

Receiver::Receiver(pvpd::Host host, Settings settings)
    : host_(host), settings_(std::move(settings)) {
  for (const ListenerSettings &ls : settings_.listeners) {
    auto l = std::make_unique<Listener>();
    l->settings = ls;
    l->sink = std::make_unique<HostSink>(host_, ls, &counters_);
    l->pipeline = std::make_unique<ListenerPipeline>(ls, &counters_, l->sink.get());
    listeners_.push_back(std::move(l));
  }
}

Receiver::~Receiver() {
  stop();
  for (auto &l : listeners_) {
    if (l->fd >= 0) {
      ::close(l->fd);
    }
  }
  for (int fd : wake_) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

pvpd_status Receiver::open_socket(Listener &l) {
  const ListenerSettings &s = l.settings;
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (inet_pton(AF_INET, s.address.c_str(), &reinterpret_cast<sockaddr_in &>(ss).sin_addr) == 1) {
    auto &a = reinterpret_cast<sockaddr_in &>(ss);
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(s.port));
    len = sizeof(sockaddr_in);
  } else {
    auto &a = reinterpret_cast<sockaddr_in6 &>(ss);
    if (inet_pton(AF_INET6, s.address.c_str(), &a.sin6_addr) != 1) {
      host_.error("t140: listener " + s.name + ": bad address " + s.address);
      return PVPD_E_INVAL;
    }
    family = AF_INET6;
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(s.port));
    len = sizeof(sockaddr_in6);
  }
  l.fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l.fd < 0) {
    host_.error("t140: socket: " + std::string(std::strerror(errno)));
    return PVPD_E_IO;
  }
  int rcvbuf = 1 << 20;
  ::setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (::bind(l.fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
    host_.error("t140: listener " + s.name + ": bind " + s.address + ":" + std::to_string(s.port) +
                ": " + std::strerror(errno));
    return PVPD_E_IO;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(l.fd, reinterpret_cast<sockaddr *>(&bound), &blen);
  PeerAddress b;
  to_peer(bound, &b);
  l.bound_port = b.port;
  if (!s.port_file.empty()) {
    std::ofstream(s.port_file) << l.bound_port << "\n";
  }
  host_.info("t140: listener " + s.name + " on " + s.address + ":" + std::to_string(l.bound_port) +
             " -> session " + s.session);
  return PVPD_OK;
}

pvpd_status Receiver::start() {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return PVPD_E_IO;
  }
  for (auto &l : listeners_) {
    pvpd_status s = open_socket(*l);
    if (s != PVPD_OK) {
      return s;
    }
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-t140");  // top -H, perf, gdb
    run();
  });
  return PVPD_OK;
}

void Receiver::stop() {
  if (thread_.joinable()) {
    char c = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_[1], &c, 1);
    thread_.join();
  }
}

void Receiver::drain(Listener &l, std::vector<char> &buffer) {
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_storage from{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(l.fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      return;  // EAGAIN, or an ICMP error reported on the socket: nothing to read now
    }
    PeerAddress peer;
    if (!to_peer(from, &peer)) {
      continue;
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
      Counters::add(counters_.packets);
      Counters::add(counters_.drop_truncated);
      continue;
    }
    l.pipeline->on_datagram(std::string_view(buffer.data(), static_cast<std::size_t>(n)), peer,
                            now_ms());
  }
}

void Receiver::run() {
  std::vector<char> buffer(kRecvBuffer);
  std::vector<pollfd> fds;
  fds.push_back(pollfd{wake_[0], POLLIN, 0});
  for (auto &l : listeners_) {
    fds.push_back(pollfd{l->fd, POLLIN, 0});
  }
  while (true) {
    for (auto &f : fds) {
      f.revents = 0;
    }
    ::poll(fds.data(), fds.size(), kTickMs);
    if (fds[0].revents != 0) {
      break;
    }
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[i + 1].revents != 0) {
        drain(*listeners_[i], buffer);
      }
    }
    const uint64_t now = now_ms();
    for (auto &l : listeners_) {
      l->pipeline->poll(now);
      l->streams.store(l->pipeline->stream_count(), std::memory_order_relaxed);
    }
  }
  // Shutdown: what was said so far is flushed, and every virtual participant leaves.
  for (auto &l : listeners_) {
    l->pipeline->close_all();
    l->streams.store(0, std::memory_order_relaxed);
  }
}

void Receiver::on_deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) {
  if (pvpd::to_view(msg.type) != "error") {
    return;  // virtual participants read nothing else
  }
  Counters::add(counters_.host_errors);
  std::string text = utf8_prefix(pvpd::to_view(host_.api()->buf_view(msg.envelope)), 512);
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    first = last_error_.empty();
    last_error_ = text;
  }
  if (first) {
    host_.warn("t140: the daemon refused a frame of a t140 participant: " + text);
  }
  (void)conns;
  (void)n;
}

void Receiver::on_host_close(pvpd_conn_id conn, int32_t reason) {
  for (auto &l : listeners_) {
    if (l->sink->on_host_close(conn, reason)) {
      return;
    }
  }
}

std::string Receiver::status_json() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("listeners");
  w.StartArray();
  for (const auto &l : listeners_) {
    w.StartObject();
    w.Key("name");
    w.String(l->settings.name.data(), static_cast<rapidjson::SizeType>(l->settings.name.size()));
    w.Key("address");
    w.String(l->settings.address.data(),
             static_cast<rapidjson::SizeType>(l->settings.address.size()));
    w.Key("port");
    w.Int(l->bound_port);
    w.Key("session");
    w.String(l->settings.session.data(),
             static_cast<rapidjson::SizeType>(l->settings.session.size()));
    w.Key("streams");
    w.Uint64(l->streams.load(std::memory_order_relaxed));
    w.EndObject();
  }
  w.EndArray();
  w.Key("counters");
  std::string counters = counters_json(counters_);
  w.RawValue(counters.data(), counters.size(), rapidjson::kObjectType);
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!last_error_.empty()) {
      w.Key("last_error");
      w.String(last_error_.data(), static_cast<rapidjson::SizeType>(last_error_.size()));
    }
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace pvpd::t140
