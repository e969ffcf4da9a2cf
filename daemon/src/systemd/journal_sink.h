// A small spdlog sink writing native journal entries with pvpd's structured fields
// (research c.4). Replaces spdlog 1.10's systemd_sink, which throws when sd_journal_send fails
// and cannot attach custom fields.
//
// Each entry carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=pvpd, CODE_FILE/CODE_LINE/CODE_FUNC
// when the call site is known, and from the thread's logging::current_fields(): PVPD_PLUGIN,
// PVPD_INSTANCE, PVPD_SESSION, PVPD_CONN and MESSAGE_ID (each only when set). If a send fails the
// message goes to stderr with a "<N>" priority prefix instead, so nothing is lost silently.
// Caveat: libsystemd reports success and drops the entry when journald's socket does not exist
// at all (ENOENT), which is why logging's "auto" target probes the socket before choosing us.
//
// THREAD: any thread (base_sink's mutex serialises sends; the send function must be thread-safe
//   if the sink is shared, which sd_journal_sendv is).
// OWNERSHIP: the sink owns its send function; tests inject a fake to capture entries.
#pragma once

#include <sys/uio.h>

#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace pvpd::systemd {

// Same contract as sd_journal_sendv: each iovec is one "FIELD=value"; returns >= 0 or -errno.
using JournalSendFn = std::function<int(const struct iovec *iov, int n)>;

// syslog(3) priority for an spdlog level (trace and debug both map to LOG_DEBUG).
int syslog_priority(spdlog::level::level_enum level) noexcept;

// The journal fields for one message, in the order they are sent. Exposed for tests.
std::vector<std::string> journal_fields(const spdlog::details::log_msg &msg);

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // An empty `send` means sd_journal_sendv.
  explicit JournalSink(JournalSendFn send = {});

  // Number of entries that could not be sent and went to stderr instead.
  uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

 protected:
  void sink_it_(const spdlog::details::log_msg &msg) override;
  void flush_() override {}

 private:
  JournalSendFn send_;
  std::atomic<uint64_t> failures_{0};
};

}  // namespace pvpd::systemd
