#include "util/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

#include "systemd/journal_sink.h"
#include "systemd/journal_stream.h"

namespace pvpd::logging {
namespace {

thread_local const Fields *t_fields = nullptr;

void append_escaped(std::string_view text, std::string &out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if ((u < 0x20 && c != '\t') || u == 0x7f) {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
}

void append_utc_timestamp(spdlog::log_clock::time_point tp, std::string &out) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto since_epoch = tp.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  char frac[8];
  const int m = std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(millis));
  if (m > 0) {
    out.append(frac, static_cast<size_t>(m));
  }
}

// One message per line: "<ts> <level> [fields] text" or, for a journal stream, "<N>[fields] text".
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(bool syslog_prefix) : syslog_prefix_(syslog_prefix) {}

  void format(const spdlog::details::log_msg &msg, spdlog::memory_buf_t &dest) override {
    std::string line;
    line.reserve(64 + msg.payload.size());
    if (syslog_prefix_) {
      line.push_back('<');
      line += std::to_string(systemd::syslog_priority(msg.level));
      line.push_back('>');
    } else {
      append_utc_timestamp(msg.time, line);
      line.push_back(' ');
      const auto name = spdlog::level::to_string_view(msg.level);
      line.append(name.data(), name.size());
      line.push_back(' ');
    }
    append_field_prefix(current_fields(), line);
    append_escaped(std::string_view(msg.payload.data(), msg.payload.size()), line);
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(syslog_prefix_);
  }

 private:
  bool syslog_prefix_;
};

// Writes formatted lines to a file descriptor with write(2). Used for stderr and for the log
// file instead of spdlog's stdio sinks: no stdio buffering to flush, O_APPEND so logrotate's
// copytruncate works, and O_CLOEXEC so spawned tools and MCP children do not inherit the log.
class FdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  FdSink(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSink() override {
    if (owned_) {
      ::close(fd_);
    }
  }
  FdSink(const FdSink &) = delete;
  FdSink &operator=(const FdSink &) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg &msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    const char *p = buf.data();
    size_t left = buf.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;  // Nowhere left to report it; dropping is the only non-blocking choice.
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  void flush_() override {}  // write(2) already handed the data to the kernel.

 private:
  int fd_;
  bool owned_;
};

std::mutex g_mu;  // serialises init()/set_level() against each other
std::shared_ptr<spdlog::sinks::dist_sink_mt> g_dist;
std::shared_ptr<spdlog::logger> g_logger;
std::atomic<Target> g_target{Target::kNone};

Status bad_level(std::string_view level) {
  return Status(PVPD_E_INVAL, "unknown log level '" + std::string(level) +
                                  "' (expected trace, debug, info, warn, error, critical or off)");
}

Result<std::shared_ptr<spdlog::sinks::sink>> make_fd_sink(int fd, bool owned, bool prefix) {
  auto sink = std::make_shared<FdSink>(fd, owned);
  sink->set_formatter(std::make_unique<LineFormatter>(prefix));
  return std::shared_ptr<spdlog::sinks::sink>(std::move(sink));
}

Result<std::shared_ptr<spdlog::sinks::sink>> make_sink(const Options &opts, Target &target) {
  std::string_view t = opts.target;
  if (t == "auto") {
    if (systemd::stderr_is_journal_stream()) {
      t = systemd::journal_socket_available() ? "journal" : "stderr-syslog-prefix";
    } else {
      t = "stderr";
    }
  }
  if (t == "journal") {
    target = Target::kJournal;
    return std::shared_ptr<spdlog::sinks::sink>(std::make_shared<systemd::JournalSink>());
  }
  if (t == "stderr") {
    target = Target::kStderr;
    return make_fd_sink(STDERR_FILENO, false, false);
  }
  if (t == "stderr-syslog-prefix") {
    target = Target::kStderrSyslogPrefix;
    return make_fd_sink(STDERR_FILENO, false, true);
  }
  if (t == "file") {
    if (opts.file.empty()) {
      return Status(PVPD_E_INVAL, "log target 'file' needs a file path");
    }
    const int fd = ::open(opts.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      return Status(PVPD_E_IO, "cannot open log file '" + opts.file + "': " + std::strerror(errno));
    }
    target = Target::kFile;
    return make_fd_sink(fd, true, false);
  }
  return Status(PVPD_E_INVAL, "unknown log target '" + opts.target +
                                  "' (expected auto, journal, stderr or file)");
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_level(std::string_view level) {
  using spdlog::level::level_enum;
  if (level == "trace")
    return level_enum::trace;
  if (level == "debug")
    return level_enum::debug;
  if (level == "info")
    return level_enum::info;
  if (level == "warn" || level == "warning")
    return level_enum::warn;
  if (level == "error" || level == "err")
    return level_enum::err;
  if (level == "critical")
    return level_enum::critical;
  if (level == "off")
    return level_enum::off;
  return std::nullopt;
}

Status init(const Options &opts) {
  const auto level = parse_level(opts.level);
  if (!level) {
    return bad_level(opts.level);
  }
  Target target = Target::kNone;
  auto sink = make_sink(opts, target);
  if (!sink) {
    return sink.status();
  }
  try {
    std::lock_guard lock(g_mu);
    if (!g_logger) {
      // Created once and never replaced: spdlog::set_default_logger is not safe against threads
      // logging through the old default logger, but swapping the dist sink's children is.
      g_dist = std::make_shared<spdlog::sinks::dist_sink_mt>();
      g_logger = std::make_shared<spdlog::logger>("pvpd", g_dist);
      // The fd sinks do not buffer; this only matters for sinks a future target might add.
      g_logger->flush_on(spdlog::level::warn);
      spdlog::set_default_logger(g_logger);
    }
    g_dist->set_sinks({std::move(sink).value()});
    g_logger->set_level(*level);
    g_target.store(target, std::memory_order_relaxed);
  } catch (const std::exception &e) {
    return Status(PVPD_E_INTERNAL, std::string("logging setup failed: ") + e.what());
  }
  return Status::ok();
}

Status set_level(std::string_view level) {
  const auto parsed = parse_level(level);
  if (!parsed) {
    return bad_level(level);
  }
  std::lock_guard lock(g_mu);
  if (g_logger) {
    g_logger->set_level(*parsed);
  } else {
    spdlog::set_level(*parsed);
  }
  return Status::ok();
}

Target current_target() {
  return g_target.load(std::memory_order_relaxed);
}

std::string_view target_name(Target target) {
  switch (target) {
    case Target::kNone: return "none";
    case Target::kJournal: return "journal";
    case Target::kStderr: return "stderr";
    case Target::kStderrSyslogPrefix: return "stderr (syslog priority prefix)";
    case Target::kFile: return "file";
  }
  return "unknown";
}

void log(spdlog::level::level_enum lvl, const Fields &fields, std::string_view msg) {
  try {
    spdlog::logger *logger = spdlog::default_logger_raw();
    if (logger == nullptr || !logger->should_log(lvl)) {
      return;
    }
    ScopedFields scope(&fields);
    logger->log(spdlog::source_loc{}, lvl, spdlog::string_view_t(msg.data(), msg.size()));
  } catch (...) {
    // Logging must never take the daemon down; spdlog already reports sink errors itself.
  }
}

void flush() {
  try {
    if (spdlog::logger *logger = spdlog::default_logger_raw(); logger != nullptr) {
      logger->flush();
    }
  } catch (...) {
  }
}

ScopedFields::ScopedFields(const Fields *fields) noexcept : previous_(t_fields) {
  t_fields = fields;
}

ScopedFields::~ScopedFields() {
  t_fields = previous_;
}

const Fields *current_fields() noexcept {
  return t_fields;
}

void append_field_prefix(const Fields *fields, std::string &out) {
  if (fields == nullptr) {
    return;
  }
  const size_t start = out.size();
  auto sep = [&] {
    if (out.size() == start) {
      out.push_back('[');
    } else {
      out.push_back(' ');
    }
  };
  if (!fields->plugin.empty() || !fields->instance.empty()) {
    sep();
    append_escaped(fields->plugin, out);
    if (!fields->plugin.empty() && !fields->instance.empty()) {
      out.push_back('/');
    }
    append_escaped(fields->instance, out);
  }
  if (!fields->session.empty()) {
    sep();
    out += "session=";
    append_escaped(fields->session, out);
  }
  if (fields->conn != 0) {
    sep();
    out += "conn=";
    out += std::to_string(fields->conn);
  }
  if (out.size() != start) {
    out += "] ";
  }
}

}  // namespace pvpd::logging
