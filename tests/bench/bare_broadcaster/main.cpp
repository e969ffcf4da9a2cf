// pvp-bare-broadcaster: the yardstick for pvpd's benchmarks (issue 11, docs/benchmarks.md).
// The same WebSocket library as pvpd's websocket plugin (libwebsockets), and nothing else:
// every complete message a connection sends is forwarded unchanged to every other connection
// that opened the same URL path (the path is the "session"). No parsing, no journal, no
// protocol; one thread; one shared buffer per message whatever the number of receivers.
//
// Writes use the same technique as pvpd's websocket plugin (several queued messages framed into
// one raw lws_write, so one send() per batch); --no-batch writes one message per lws_write, the
// plain way to use the library, to show what batching is worth.
//
// usage: pvp-bare-broadcaster [--listen ADDR] [--port P] [--port-file FILE] [--no-batch]
// Runs until SIGINT/SIGTERM.
//
// THREAD: single-threaded (the lws service loop); the signal handler only sets a flag.
// OWNERSHIP: Client objects are owned by `clients` (keyed by wsi), freed on LWS_CALLBACK_CLOSED;
// queued messages are shared_ptr buffers released once written to every receiver.
#include <libwebsockets.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Message {
  std::vector<unsigned char> bytes;  // LWS_PRE headroom, then the payload
  bool binary = false;
  std::size_t size() const { return bytes.size() - LWS_PRE; }
};

struct Client {
  struct lws *wsi = nullptr;
  std::string group;
  std::string in;
  bool in_binary = false;
  std::deque<std::shared_ptr<Message>> out;
};

constexpr int kWritesPerCallback = 32;
constexpr std::size_t kBatchBytes = 64 * 1024;
volatile std::sig_atomic_t g_stop = 0;

struct Server {
  std::unordered_map<std::string, std::vector<Client *>> groups;
  std::unordered_map<struct lws *, std::unique_ptr<Client>> clients;
  struct lws_context *context = nullptr;
  lws_sorted_usec_list_t tick{};
  unsigned long long forwarded = 0;
  bool batch = true;  // --no-batch: one lws_write (one send()) per message and receiver
  std::vector<unsigned char> scratch = std::vector<unsigned char>(LWS_PRE + kBatchBytes);
};
Server g_server;

void on_tick(lws_sorted_usec_list_t *sul) {
  if (g_stop == 0) {
    lws_sul_schedule(g_server.context, 0, sul, on_tick, 50 * 1000);
  }
}

std::string path_of(struct lws *wsi) {
  char buf[512] = "/";
  if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_GET_URI) <= 0) {
    std::strcpy(buf, "/");
  }
  return buf;
}

void forward(Client &from) {
  auto msg = std::make_shared<Message>();
  msg->bytes.resize(LWS_PRE + from.in.size());
  std::memcpy(msg->bytes.data() + LWS_PRE, from.in.data(), from.in.size());
  msg->binary = from.in_binary;
  from.in.clear();
  for (Client *to : g_server.groups[from.group]) {
    if (to != &from) {
      // A non-empty queue already has a WRITEABLE callback requested (on_writeable re-arms it
      // while anything is left), so only the first message asks lws again.
      if (to->out.empty()) {
        lws_callback_on_writable(to->wsi);
      }
      to->out.push_back(msg);
      ++g_server.forwarded;
    }
  }
}

// Header of an unmasked final frame (RFC 6455 5.2); returns its size.
std::size_t put_header(unsigned char *p, std::size_t len, bool binary) {
  p[0] = binary ? 0x82 : 0x81;
  if (len < 126) {
    p[1] = static_cast<unsigned char>(len);
    return 2;
  }
  if (len < 65536) {
    p[1] = 126;
    p[2] = static_cast<unsigned char>(len >> 8);
    p[3] = static_cast<unsigned char>(len);
    return 4;
  }
  p[1] = 127;
  for (int i = 0; i < 8; ++i) {
    p[2 + i] = static_cast<unsigned char>(static_cast<uint64_t>(len) >> (56 - 8 * i));
  }
  return 10;
}

int on_writeable(Client &c) {
  for (int i = 0; i < kWritesPerCallback && !c.out.empty(); ++i) {
    if (g_server.batch) {
      // The same write path as pvpd's websocket plugin: queued messages framed back to back
      // and written with one raw lws_write (one send()) when they fit in kBatchBytes.
      unsigned char *const start = g_server.scratch.data() + LWS_PRE;
      unsigned char *p = start;
      std::size_t taken = 0;
      for (const auto &m : c.out) {
        if (static_cast<std::size_t>(p - start) + 10 + m->size() > kBatchBytes) {
          break;
        }
        p += put_header(p, m->size(), m->binary);
        std::memcpy(p, m->bytes.data() + LWS_PRE, m->size());
        p += m->size();
        ++taken;
      }
      if (taken > 0) {
        const auto n = static_cast<std::size_t>(p - start);
        if (lws_write(c.wsi, start, n, LWS_WRITE_RAW) < static_cast<int>(n)) {
          return -1;
        }
        c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(taken));
        if (lws_send_pipe_choked(c.wsi)) {
          break;
        }
        continue;
      }
    }
    Message &m = *c.out.front();
    // lws writes the frame header into the headroom; sharing the buffer between receivers is
    // safe because writes happen one at a time on this thread (lws copies what it cannot send).
    const int n = lws_write(c.wsi, m.bytes.data() + LWS_PRE, m.size(),
                            m.binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (n < static_cast<int>(m.size())) {
      return -1;
    }
    c.out.pop_front();
    if (lws_send_pipe_choked(c.wsi)) {
      break;
    }
  }
  if (!c.out.empty()) {
    lws_callback_on_writable(c.wsi);
  }
  return 0;
}

int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
             std::size_t len) {
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
      auto c = std::make_unique<Client>();
      c->wsi = wsi;
      c->group = path_of(wsi);
      g_server.groups[c->group].push_back(c.get());
      g_server.clients.emplace(wsi, std::move(c));
      return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
      auto it = g_server.clients.find(wsi);
      if (it == g_server.clients.end()) {
        return -1;
      }
      Client &c = *it->second;
      if (c.in.empty()) {
        c.in_binary = lws_frame_is_binary(wsi) != 0;
      }
      c.in.append(static_cast<const char *>(in), len);
      if (lws_is_final_fragment(wsi) != 0) {
        forward(c);
      }
      return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      auto it = g_server.clients.find(wsi);
      return it == g_server.clients.end() ? 0 : on_writeable(*it->second);
    }
    case LWS_CALLBACK_CLOSED: {
      auto it = g_server.clients.find(wsi);
      if (it != g_server.clients.end()) {
        auto &members = g_server.groups[it->second->group];
        std::erase(members, it->second.get());
        if (members.empty()) {
          g_server.groups.erase(it->second->group);
        }
        g_server.clients.erase(it);
      }
      return 0;
    }
    default: break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

void on_signal(int) {
  g_stop = 1;
}

}  // namespace

int main(int argc, char **argv) {
  std::string listen = "127.0.0.1";
  int port = 0;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 < argc && a == "--listen") {
      listen = argv[++i];
    } else if (i + 1 < argc && a == "--port") {
      port = std::atoi(argv[++i]);
    } else if (i + 1 < argc && a == "--port-file") {
      port_file = argv[++i];
    } else if (a == "--no-batch") {
      g_server.batch = false;
    } else {
      std::fprintf(stderr,
                   "usage: pvp-bare-broadcaster [--listen ADDR] [--port P] [--port-file FILE] "
                   "[--no-batch]\n");
      return 2;
    }
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  lws_set_log_level(LLL_ERR, nullptr);

  static lws_protocols protocols[2]{};
  protocols[0].name = "bare";
  protocols[0].callback = callback;
  protocols[0].rx_buffer_size = 16 * 1024;  // as pvpd's websocket plugin
  protocols[0].tx_packet_size = 64 * 1024;
  lws_context_creation_info info{};
  info.port = port;
  info.iface = listen.c_str();
  info.protocols = protocols;
  info.gid = -1;
  info.uid = -1;
  info.timeout_secs = 10;
  g_server.context = lws_create_context(&info);
  if (g_server.context == nullptr) {
    std::fprintf(stderr, "pvp-bare-broadcaster: cannot listen on %s:%d\n", listen.c_str(), port);
    return 1;
  }
  struct lws_vhost *vh = lws_get_vhost_by_name(g_server.context, "default");
  const int bound = vh != nullptr ? lws_get_vhost_listen_port(vh) : port;
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    if (std::FILE *f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "%d\n", bound);
      std::fclose(f);
      std::rename(tmp.c_str(), port_file.c_str());
    }
  }
  std::fprintf(stderr, "pvp-bare-broadcaster: listening on ws://%s:%d\n", listen.c_str(), bound);
  lws_sul_schedule(g_server.context, 0, &g_server.tick, on_tick, 50 * 1000);
  while (g_stop == 0 && lws_service(g_server.context, 0) >= 0) {
  }
  lws_context_destroy(g_server.context);
  std::fprintf(stderr, "pvp-bare-broadcaster: forwarded %llu messages\n", g_server.forwarded);
  return 0;
}
