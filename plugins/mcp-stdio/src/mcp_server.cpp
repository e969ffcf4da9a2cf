// Unix-socket server and I/O thread of the MCP-stdio transport (see mcp_server.h).
#include "mcp_server.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "mcp_session.h"

namespace pvpd::mcp {
namespace {

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::string errno_text(const std::string &what) {
  return what + ": " + std::strerror(errno);
}

// Envelopes a connection may have queued before the I/O thread drains them; far above what a
// healthy loop accumulates, so reaching it means the thread is stuck or the client is.
constexpr std::size_t kMailboxLimit = 100000;

}  // namespace

struct McpServer::Mailbox {
  std::deque<std::pair<pvpd::BufRef, bool>> inbound;  // envelope, replay flag
  int32_t close_reason = -1;                          // >= 0: the host asked to close
  bool paused = false;                                // conn_inbound said AGAIN
};

struct McpServer::Conn final : McpSink {
  McpServer *server = nullptr;
  int fd = -1;
  pvpd_conn_id id = 0;
  std::shared_ptr<Mailbox> mailbox;
  std::unique_ptr<McpSession> session;
  std::string in;  // bytes of an incomplete line
  bool skipping = false;
  std::size_t skipped = 0;
  std::string out;             // bytes not yet written
  int32_t finish_reason = -1;  // >= 0: close after flushing what can be written

  void to_client(std::string line) override { out.append(line).push_back('\n'); }
  pvpd_status to_pvp(std::string_view envelope) override {
    pvpd_status st = server->host_.conn_inbound(id, envelope);
    if (st == PVPD_E_AGAIN) {
      std::lock_guard<std::mutex> lock(server->mu_);
      mailbox->paused = true;
    }
    return st;
  }
};

McpServer::McpServer(pvpd::Host host, Settings settings)
    : host_(host), settings_(std::move(settings)) {
  path_ =
      settings_.socket.empty() ? std::string(host_.state_dir()) + "/mcp.sock" : settings_.socket;
}

McpServer::~McpServer() {
  stop();
}

std::string McpServer::open_socket() {
  if (path_.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return "socket path too long for a unix socket: " + path_;
  }
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return path_ + " exists and is not a socket; refusing to replace it";
    }
    // A live daemon still serving it keeps it; a stale file from a crash is replaced.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    bool live =
        probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    if (probe >= 0) {
      ::close(probe);
    }
    if (live) {
      return path_ + " is in use by another process";
    }
    ::unlink(path_.c_str());
  }
  // Bind under a temporary name, set the mode, then rename: the socket is never reachable with
  // the umask's wider permissions.
  std::string tmp = path_ + ".tmp";
  if (tmp.size() >= sizeof(sockaddr_un{}.sun_path)) {
    tmp = path_;  // no room for the suffix; fall back to binding in place
  }
  ::unlink(tmp.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    return errno_text("socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, tmp.c_str(), tmp.size());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    return errno_text("bind " + tmp);
  }
  if (::chmod(tmp.c_str(), settings_.socket_mode) != 0) {
    std::string e = errno_text("chmod " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (tmp != path_ && ::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::string e = errno_text("rename to " + path_);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::listen(listen_fd_, 64) != 0) {
    return errno_text("listen " + path_);
  }
  return std::string();
}

pvpd_status McpServer::start() {
  std::string err = open_socket();
  if (!err.empty()) {
    host_.error(err);
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    return PVPD_E_IO;
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    host_.error(errno_text("eventfd"));
    return PVPD_E_IO;
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-mcp");  // top -H, perf, gdb
    run();
  });
  host_.info("MCP listening on unix socket " + path_);
  return PVPD_OK;
}

void McpServer::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake();
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(path_.c_str());
  }
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
    wake_fd_ = -1;
  }
}

void McpServer::wake() {
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t r = ::write(wake_fd_, &one, sizeof one);
    (void)r;  // EAGAIN: a wake-up is already pending
  }
}

pvpd_status McpServer::deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) {
  if (msg.envelope == nullptr) {
    return PVPD_E_INVAL;
  }
  bool replay = (msg.flags & PVPD_MSG_REPLAY) != 0;
  bool droppable = (msg.flags & PVPD_MSG_DROPPABLE) != 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < n; ++i) {
      auto it = mailboxes_.find(conns[i]);
      if (it == mailboxes_.end() || it->second->close_reason >= 0) {
        continue;
      }
      Mailbox &m = *it->second;
      if (m.inbound.size() >= kMailboxLimit) {
        if (!droppable) {
          m.close_reason = PVPD_CLOSE_SLOW_CONSUMER;
        }
        continue;
      }
      m.inbound.emplace_back(pvpd::BufRef::retain(host_.api(), msg.envelope), replay);
    }
  }
  wake();
  return PVPD_OK;
}

void McpServer::close_conn(pvpd_conn_id conn, int32_t reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mailboxes_.find(conn);
    if (it == mailboxes_.end()) {
      if (opening_ > 0) {
        // conn_open has returned this id to the core but the I/O thread has not registered
        // the connection yet: remember the request for the registration to pick up.
        early_closes_[conn] = reason < 0 ? PVPD_CLOSE_NORMAL : reason;
      }
      return;
    }
    it->second->close_reason = reason < 0 ? PVPD_CLOSE_NORMAL : reason;
  }
  wake();
}

void McpServer::flow(pvpd_conn_id conn, uint32_t allow_reads) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mailboxes_.find(conn);
    if (it == mailboxes_.end()) {
      return;
    }
    it->second->paused = allow_reads == 0;
  }
  wake();
}

std::string McpServer::status_json() {
  std::string p;
  for (char c : path_) {
    if (c == '"' || c == '\\') {
      p.push_back('\\');
    }
    if (static_cast<unsigned char>(c) >= 0x20) {
      p.push_back(c);
    }
  }
  return "{\"socket\":\"" + p + "\",\"connections\":" + std::to_string(connection_count_.load()) +
         ",\"accepted_total\":" + std::to_string(accepted_total_.load()) + "}";
}

void McpServer::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        host_.warn(errno_text("accept"));
      }
      return;
    }
    if (conns_.size() >= settings_.max_connections) {
      static constexpr char kFull[] =
          "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"too many "
          "MCP connections\"}}\n";
      ssize_t r = ::write(fd, kFull, sizeof kFull - 1);
      (void)r;
      ::close(fd);
      continue;
    }
    std::string peer = "unix:" + path_;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      peer += " pid " + std::to_string(cred.pid) + " uid " + std::to_string(cred.uid);
    }
    pvpd_conn_info info{};
    info.struct_size = sizeof info;
    info.flags = PVPD_CONN_LOCAL;
    info.transport = pvpd::to_str("mcp");
    info.peer = pvpd::to_str(peer);
    pvpd_conn_id id = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++opening_;
    }
    pvpd_status st = host_.conn_open(info, &id);
    if (st != PVPD_OK) {
      std::lock_guard<std::mutex> lock(mu_);
      --opening_;
    }
    if (st != PVPD_OK) {
      host_.warn(std::string("conn_open refused an MCP client: ") + pvpd::status_name(st));
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->server = this;
    c->fd = fd;
    c->id = id;
    c->mailbox = std::make_shared<Mailbox>();
    c->session = std::make_unique<McpSession>(settings_, c.get(), ++conn_counter_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      mailboxes_[id] = c->mailbox;
      auto early = early_closes_.find(id);
      if (early != early_closes_.end()) {
        c->mailbox->close_reason = early->second;
      }
      if (--opening_ == 0) {
        early_closes_.clear();  // nothing else can be in flight
      } else if (early != early_closes_.end()) {
        early_closes_.erase(early);
      }
    }
    conns_.push_back(std::move(c));
    connection_count_ = conns_.size();
    ++accepted_total_;
    host_.debug("MCP client connected: " + peer);
  }
}

void McpServer::feed(Conn &c, const char *data, std::size_t n, uint64_t now) {
  std::size_t start = 0;
  while (start < n) {
    const char *nl = static_cast<const char *>(std::memchr(data + start, '\n', n - start));
    std::size_t end = nl != nullptr ? static_cast<std::size_t>(nl - data) : n;
    if (c.skipping) {
      c.skipped += end - start;
    } else {
      c.in.append(data + start, end - start);
      if (c.in.size() > settings_.max_line) {
        c.skipping = true;
        c.skipped = c.in.size();
        c.in.clear();
        c.in.shrink_to_fit();
      }
    }
    if (nl != nullptr) {
      if (c.skipping) {
        c.session->reject_oversized(c.skipped);
        c.skipping = false;
        c.skipped = 0;
      } else {
        c.session->handle_line(c.in, now);
        c.in.clear();
      }
    }
    start = end + (nl != nullptr ? 1 : 0);
  }
}

void McpServer::read_from(Conn &c, uint64_t now) {
  char buf[65536];
  for (int round = 0; round < 4; ++round) {
    ssize_t r = ::read(c.fd, buf, sizeof buf);
    if (r > 0) {
      feed(c, buf, static_cast<std::size_t>(r), now);
      if (static_cast<std::size_t>(r) < sizeof buf) {
        return;
      }
      continue;
    }
    if (r == 0) {
      // EOF: the bridge's stdin closed. Answer nothing more; release waits.
      if (c.finish_reason < 0) {
        c.finish_reason = PVPD_CLOSE_PEER_GONE;
      }
      return;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      c.finish_reason = PVPD_CLOSE_PEER_GONE;
    }
    return;
  }
}

void McpServer::write_to(Conn &c) {
  while (!c.out.empty()) {
    ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (w > 0) {
      c.out.erase(0, static_cast<std::size_t>(w));
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      break;
    }
    c.out.clear();
    if (c.finish_reason < 0) {
      c.finish_reason = PVPD_CLOSE_PEER_GONE;
    }
    return;
  }
  if (c.out.size() > settings_.max_output && c.finish_reason < 0) {
    host_.warn("MCP client does not read its answers; closing it");
    c.finish_reason = PVPD_CLOSE_SLOW_CONSUMER;
  }
}

void McpServer::drain_mailbox(Conn &c, uint64_t now) {
  std::deque<std::pair<pvpd::BufRef, bool>> batch;
  int32_t close_reason = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(c.mailbox->inbound);
    close_reason = c.mailbox->close_reason;
  }
  for (auto &[buf, replay] : batch) {
    c.session->on_pvp(buf.view(), replay, now);
  }
  if (close_reason >= 0 && c.finish_reason < 0) {
    c.finish_reason = close_reason;
  }
}

void McpServer::finish(Conn &c, int32_t reason) {
  c.session->close();
  write_to(c);  // best effort: a refusal or shutdown notice may still fit
  ::close(c.fd);
  c.fd = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    mailboxes_.erase(c.id);
  }
  host_.conn_closed(c.id, reason);
}

void McpServer::run() {
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        break;
      }
    }
    uint64_t now = now_ms();
    uint64_t deadline = kNoDeadline;
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto &c : conns_) {
      bool paused = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        paused = c->mailbox->paused;
      }
      short ev = 0;
      if (!paused && c->finish_reason < 0) {
        ev |= POLLIN;
      }
      if (!c->out.empty()) {
        ev |= POLLOUT;
      }
      fds.push_back({c->fd, ev, 0});
      deadline = std::min(deadline, c->session->next_deadline());
    }
    int timeout = 1000;
    if (deadline != kNoDeadline) {
      timeout = deadline <= now ? 0 : static_cast<int>(std::min<uint64_t>(deadline - now, 1000));
    }
    int r = ::poll(fds.data(), fds.size(), timeout);
    if (r < 0 && errno != EINTR) {
      host_.error(errno_text("poll"));
      break;
    }
    now = now_ms();
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      ssize_t got = ::read(wake_fd_, &v, sizeof v);
      (void)got;
    }
    std::size_t polled = conns_.size();
    for (std::size_t i = 0; i < polled; ++i) {
      Conn &c = *conns_[i];
      short rev = fds[i + 2].revents;
      if (rev & (POLLIN | POLLHUP | POLLERR)) {
        read_from(c, now);
      }
    }
    if (fds[1].revents & POLLIN) {
      accept_all();
    }
    for (auto &c : conns_) {
      drain_mailbox(*c, now);
      c->session->tick(now);
      write_to(*c);
    }
    for (auto it = conns_.begin(); it != conns_.end();) {
      if ((*it)->finish_reason >= 0) {
        finish(**it, (*it)->finish_reason);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
    connection_count_ = conns_.size();
  }
  for (auto &c : conns_) {
    finish(*c, PVPD_CLOSE_SHUTDOWN);
  }
  conns_.clear();
  connection_count_ = 0;
}

}  // namespace pvpd::mcp
