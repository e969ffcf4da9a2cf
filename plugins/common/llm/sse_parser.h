// SseParser: an incremental text/event-stream parser (WHATWG HTML "server-sent events",
// §9.2.6 "Interpreting an event stream") for the LLM providers' streaming responses.
//
// Bytes may be split anywhere (inside a CRLF, a UTF-8 sequence or the BOM); lines end with CR,
// LF or CRLF; `:` lines are comments; `data:` lines of one event are joined with "\n"; `event:`,
// `id:` and `retry:` are kept; a leading BOM is dropped; an event without data is not
// dispatched; an event left unterminated at end of stream is discarded (finish() drops it).
// The input is untrusted: a line or an event's data longer than the limits stops the parser
// with an error instead of growing without bound.
//
// THREAD: not thread-safe; one parser per stream, used by one thread at a time.
// OWNERSHIP: the callback is borrowed for the duration of feed(); events are borrowed for the
// duration of the callback.
// LIFETIME: plain value; reset() makes it ready for a new stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pvpd::llm {

struct SseEvent {
  std::string type = "message";  // the `event:` field, "message" when absent
  std::string data;              // `data:` lines joined with "\n"
  std::string id;                // the last event id seen so far on this stream
};

struct SseLimits {
  size_t max_line_bytes = 1 << 20;  // one line (a provider event is one JSON line)
  size_t max_data_bytes = 4 << 20;  // one event's joined data
};

class SseParser {
 public:
  using EventFn = std::function<void(const SseEvent &)>;

  explicit SseParser(SseLimits limits = {}) : limits_(limits) { event_.type.clear(); }

  // Consumes `bytes` and calls `on_event` for each complete event, in order. Returns false
  // once the parser has failed (now or before); the remaining input is ignored then.
  bool feed(std::string_view bytes, const EventFn &on_event);

  // End of stream: a pending unterminated event is discarded (WHATWG). Returns !failed().
  bool finish();

  void reset();

  bool failed() const { return !error_.empty(); }
  const std::string &error() const { return error_; }
  // The last `retry:` value (milliseconds), if the stream sent one.
  std::optional<uint64_t> retry_ms() const { return retry_ms_; }
  // True once at least one line (even a comment) was seen: the stream carries SSE.
  bool saw_line() const { return saw_line_; }

 private:
  bool consume(std::string_view bytes, const EventFn &on_event);
  bool append_to_line(std::string_view piece);
  bool process_line(std::string_view line, const EventFn &on_event);
  bool fail(std::string message);

  SseLimits limits_;
  std::string line_;       // the current, unterminated line
  bool after_cr_ = false;  // the previous byte was CR: a following LF belongs to it
  bool bom_done_ = false;
  std::string bom_pending_;  // a possible BOM prefix split across feeds
  SseEvent event_;           // the event being built; type "" until an `event:` line
  bool has_data_ = false;
  std::string last_id_;
  std::optional<uint64_t> retry_ms_;
  std::string error_;
  bool saw_line_ = false;
};

}  // namespace pvpd::llm
