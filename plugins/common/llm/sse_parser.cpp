#include "llm/sse_parser.h"

#include <algorithm>

namespace pvpd::llm {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

bool SseParser::feed(std::string_view bytes, const EventFn &on_event) {
  if (failed()) {
    return false;
  }
  if (!bom_done_) {
    // The BOM may itself arrive split, so hold back up to three bytes until it is decided.
    size_t take = std::min(bytes.size(), kBom.size() - bom_pending_.size());
    bom_pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (bom_pending_.size() < kBom.size() && kBom.starts_with(bom_pending_)) {
      return true;
    }
    bom_done_ = true;
    std::string head;
    head.swap(bom_pending_);
    if (head != kBom && !consume(head, on_event)) {
      return false;
    }
  }
  return consume(bytes, on_event);
}

bool SseParser::consume(std::string_view bytes, const EventFn &on_event) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      return append_to_line(bytes.substr(i));
    }
    if (!append_to_line(bytes.substr(i, end - i))) {
      return false;
    }
    after_cr_ = bytes[end] == '\r';
    i = end + 1;
    std::string line;
    line.swap(line_);
    if (!process_line(line, on_event)) {
      return false;
    }
  }
  return true;
}

bool SseParser::append_to_line(std::string_view piece) {
  if (line_.size() + piece.size() > limits_.max_line_bytes) {
    return fail("SSE line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
  }
  line_.append(piece);
  return true;
}

bool SseParser::process_line(std::string_view line, const EventFn &on_event) {
  saw_line_ = true;
  if (line.empty()) {
    if (has_data_) {
      event_.data.pop_back();  // the "\n" after the last data line
      if (event_.type.empty()) {
        event_.type = "message";
      }
      event_.id = last_id_;
      on_event(event_);
    }
    event_.type.clear();
    event_.data.clear();
    has_data_ = false;
    return true;
  }
  if (line.front() == ':') {
    return true;  // comment (keep-alive)
  }
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "event") {
    event_.type.assign(value);
  } else if (field == "data") {
    if (event_.data.size() + value.size() + 1 > limits_.max_data_bytes) {
      return fail("SSE event data longer than " + std::to_string(limits_.max_data_bytes) +
                  " bytes");
    }
    event_.data.append(value);
    event_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      last_id_.assign(value);
    }
  } else if (field == "retry") {
    bool digits =
        !value.empty() && value.size() <= 18 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) {
      retry_ms_ = std::stoull(std::string(value));
    }
  }
  // Any other field is ignored, as the spec requires.
  return true;
}

bool SseParser::finish() {
  line_.clear();
  after_cr_ = false;
  event_ = SseEvent{};
  event_.type.clear();
  has_data_ = false;
  bom_pending_.clear();
  bom_done_ = true;
  return !failed();
}

void SseParser::reset() {
  SseLimits limits = limits_;
  *this = SseParser(limits);
  event_.type.clear();
}

bool SseParser::fail(std::string message) {
  if (error_.empty()) {
    error_ = std::move(message);
  }
  line_.clear();
  return false;
}

}  // namespace pvpd::llm
