// pvp-mcp: the stdio bridge an MCP client (Claude Code, any MCP SDK client) spawns to reach
// pvpd's MCP transport (plugins/mcp-stdio). It copies newline-delimited JSON-RPC between its
// stdin/stdout and the daemon's unix socket and exits when either side closes:
//   stdin EOF  -> half-close the socket, wait for the daemon to close, exit 0;
//   socket EOF -> exit 0 (stdout flushed), whatever stdin does.
// With --session it first sends one bridge line ({"pvp_mcp_bridge":1,...}) so the daemon joins
// the session for the agent; the token may come from --token, --token-file or $PVP_MCP_TOKEN
// (the last two keep it out of `ps`). Diagnostics go to stderr only: stdout carries MCP.
//
// THREAD: single-threaded poll() loop. OWNERSHIP: owns its socket.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage =
    "usage: pvp-mcp --socket PATH [--session ID] [--name NAME] [--id PARTICIPANT_ID]\n"
    "               [--roles r1,r2] [--token T | --token-file FILE]\n"
    "Bridges MCP over stdio to pvpd's mcp-stdio plugin. With --session the agent joins that\n"
    "PVP session at once (no pvp_join call needed). $PVP_MCP_TOKEN is used when no token\n"
    "option is given.\n";

std::string json_escape(const std::string &s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

bool write_all(int fd, const char *data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  ::signal(SIGPIPE, SIG_IGN);
  std::string socket_path, session, name, id, roles, token, token_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string *out) {
      if (i + 1 >= argc) {
        std::cerr << "pvp-mcp: " << a << " needs a value\n" << kUsage;
        std::exit(2);
      }
      *out = argv[++i];
    };
    if (a == "--socket") {
      value(&socket_path);
    } else if (a == "--session") {
      value(&session);
    } else if (a == "--name") {
      value(&name);
    } else if (a == "--id") {
      value(&id);
    } else if (a == "--roles") {
      value(&roles);
    } else if (a == "--token") {
      value(&token);
    } else if (a == "--token-file") {
      value(&token_file);
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "pvp-mcp: unknown argument " << a << "\n" << kUsage;
      return 2;
    }
  }
  if (socket_path.empty()) {
    std::cerr << "pvp-mcp: --socket is required\n" << kUsage;
    return 2;
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in || !std::getline(in, token)) {
      std::cerr << "pvp-mcp: cannot read the token file " << token_file << "\n";
      return 2;
    }
  }
  if (token.empty()) {
    if (const char *env = std::getenv("PVP_MCP_TOKEN")) {
      token = env;
    }
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    std::cerr << "pvp-mcp: socket path too long\n";
    return 1;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    std::cerr << "pvp-mcp: cannot connect to " << socket_path << ": " << std::strerror(errno)
              << " (is pvpd running with the mcp-stdio plugin?)\n";
    return 1;
  }

  if (!session.empty()) {
    std::string hello = "{\"pvp_mcp_bridge\":1,\"session\":\"" + json_escape(session) + "\"";
    if (!name.empty()) {
      hello += ",\"name\":\"" + json_escape(name) + "\"";
    }
    if (!id.empty()) {
      hello += ",\"participant_id\":\"" + json_escape(id) + "\"";
    }
    if (!roles.empty()) {
      hello += ",\"roles\":[";
      std::size_t start = 0;
      bool first = true;
      while (start <= roles.size()) {
        std::size_t comma = roles.find(',', start);
        std::string r =
            roles.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!r.empty()) {
          hello += std::string(first ? "" : ",") + "\"" + json_escape(r) + "\"";
          first = false;
        }
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
      hello += "]";
    }
    if (!token.empty()) {
      hello += ",\"token\":\"" + json_escape(token) + "\"";
    }
    hello += "}\n";
    if (!write_all(fd, hello.data(), hello.size())) {
      std::cerr << "pvp-mcp: the daemon closed the connection\n";
      return 1;
    }
  }

  bool stdin_open = true;
  std::vector<char> buf(65536);
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0},
                     {STDIN_FILENO, static_cast<short>(stdin_open ? POLLIN : 0), 0}};
    int r = ::poll(fds, stdin_open ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::cerr << "pvp-mcp: poll: " << std::strerror(errno) << "\n";
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) {
        if (n < 0 && errno == EINTR) {
          continue;
        }
        return 0;  // the daemon closed: we are done
      }
      if (!write_all(STDOUT_FILENO, buf.data(), static_cast<std::size_t>(n))) {
        return 0;  // the MCP client stopped reading: it is gone
      }
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        stdin_open = false;
        ::shutdown(fd, SHUT_WR);  // the daemon sees EOF, answers nothing more and closes
        continue;
      }
      if (!write_all(fd, buf.data(), static_cast<std::size_t>(n))) {
        return 0;
      }
    }
  }
}
