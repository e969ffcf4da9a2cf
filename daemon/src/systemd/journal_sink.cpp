#include "systemd/journal_sink.h"

#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include <string_view>

#include "util/logging.h"

namespace pvpd::systemd {
namespace {

std::string field(std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(key.size() + 1 + value.size());
  out.append(key).push_back('=');
  out.append(value);
  return out;
}

// Last-resort output when the journal refuses an entry. Plain write(2): no locks, no throwing,
// and journald (if stderr is a stream) still parses the <N> prefix.
void write_fallback(int priority, std::string_view msg) noexcept try {
  std::string line = "<" + std::to_string(priority) + ">";
  for (char c : msg) {
    line.push_back(c == '\n' ? ' ' : c);
  }
  line.push_back('\n');
  const char *p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) {
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
} catch (...) {
  // Out of memory while logging: drop the line rather than terminate.
}

}  // namespace

int syslog_priority(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return LOG_DEBUG;
    case spdlog::level::info: return LOG_INFO;
    case spdlog::level::warn: return LOG_WARNING;
    case spdlog::level::err: return LOG_ERR;
    case spdlog::level::critical: return LOG_CRIT;
    default: return LOG_INFO;
  }
}

std::vector<std::string> journal_fields(const spdlog::details::log_msg &msg) {
  std::vector<std::string> out;
  out.reserve(12);
  out.push_back(field("MESSAGE", std::string_view(msg.payload.data(), msg.payload.size())));
  out.push_back(field("PRIORITY", std::to_string(syslog_priority(msg.level))));
  // Fixed rather than the logger name so `journalctl -t pvpd` works whatever logger is used.
  out.push_back(field("SYSLOG_IDENTIFIER", "pvpd"));
  if (!msg.source.empty()) {
    out.push_back(field("CODE_FILE", msg.source.filename));
    out.push_back(field("CODE_LINE", std::to_string(msg.source.line)));
    if (msg.source.funcname != nullptr) {
      out.push_back(field("CODE_FUNC", msg.source.funcname));
    }
  }
  if (const logging::Fields *f = logging::current_fields(); f != nullptr) {
    if (!f->plugin.empty()) {
      out.push_back(field("PVPD_PLUGIN", f->plugin));
    }
    if (!f->instance.empty()) {
      out.push_back(field("PVPD_INSTANCE", f->instance));
    }
    if (!f->session.empty()) {
      out.push_back(field("PVPD_SESSION", f->session));
    }
    if (f->conn != 0) {
      out.push_back(field("PVPD_CONN", std::to_string(f->conn)));
    }
    if (!f->message_id.empty()) {
      out.push_back(field("MESSAGE_ID", f->message_id));
    }
  }
  return out;
}

JournalSink::JournalSink(JournalSendFn send) : send_(std::move(send)) {
  if (!send_) {
    send_ = [](const struct iovec *iov, int n) { return ::sd_journal_sendv(iov, n); };
  }
}

void JournalSink::sink_it_(const spdlog::details::log_msg &msg) {
  int rc = -1;
  try {
    const std::vector<std::string> fields = journal_fields(msg);
    std::vector<struct iovec> iov(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      // sd_journal_sendv takes non-const iovecs but does not modify the data.
      iov[i].iov_base = const_cast<char *>(fields[i].data());
      iov[i].iov_len = fields[i].size();
    }
    rc = send_(iov.data(), static_cast<int>(iov.size()));
  } catch (...) {
    rc = -1;
  }
  if (rc < 0) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    write_fallback(syslog_priority(msg.level),
                   std::string_view(msg.payload.data(), msg.payload.size()));
  }
}

}  // namespace pvpd::systemd
