#include "report/session_summary.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::report {

const rapidjson::Value *Message::payload() const {
  if (!parsed) {
    return nullptr;
  }
  auto it = doc.FindMember("payload");
  return it != doc.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

std::string str(const rapidjson::Value *obj, const char *name) {
  if (obj == nullptr || !obj->IsObject()) {
    return {};
  }
  auto it = obj->FindMember(name);
  if (it == obj->MemberEnd()) {
    return {};
  }
  if (it->value.IsString()) {
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }
  if (it->value.IsNumber() || it->value.IsBool()) {
    return compact(it->value, 64);
  }
  return {};
}

namespace {
std::string cut(const std::string &s, size_t max) {
  if (s.size() <= max) {
    return s;
  }
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
    --n;  // do not split a UTF-8 sequence
  }
  return s.substr(0, n) + "\xe2\x80\xa6";
}
}  // namespace

std::string compact(const rapidjson::Value &v, size_t max) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return cut(std::string(sb.GetString(), sb.GetSize()), max);
}

std::string one_line(const std::string &s, size_t max) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\xe2\x8f\x8e";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return cut(out, max);
}

Message parse_message(const pvpd::journal::Record &rec) {
  Message m;
  m.seq = rec.seq;
  m.raw = rec.message;
  m.doc.Parse(rec.message.data(), rec.message.size());
  m.parsed = !m.doc.HasParseError() && m.doc.IsObject();
  if (m.parsed) {
    m.id = str(&m.doc, "id");
    m.type = str(&m.doc, "type");
    m.sender = str(&m.doc, "sender");
    m.ts = str(&m.doc, "ts");
  }
  return m;
}

std::string summarize(const Message &m) {
  if (!m.parsed) {
    return "(unparseable message, " + std::to_string(m.raw.size()) + " bytes)";
  }
  const rapidjson::Value *p = m.payload();
  const std::string &t = m.type;
  auto text = [&](const char *field) { return one_line(str(p, field), 120); };
  if (t == "prompt.submit") {
    const std::string target = str(p, "target_agent");
    return "prompt" + (target.empty() ? "" : " \xe2\x86\x92 " + target) + ": " + text("content");
  }
  if (t == "thinking.chunk" || t == "response.chunk") {
    std::string s = str(p, "text");
    if (s.empty()) {
      s = str(p, "content");
    }
    return t + ": " + one_line(s, 120);
  }
  if (t == "tool.propose") {
    return "tool proposal " + str(p, "tool_name") + " (risk " + str(p, "risk_level") +
           ", category " + str(p, "category") + "): " + text("description");
  }
  if (t == "gate.approve") {
    return "approved gate " + str(p, "gate") +
           (str(p, "comment").empty() ? "" : ": " + text("comment"));
  }
  if (t == "gate.reject") {
    return "rejected gate " + str(p, "gate") + ": " + text("reason");
  }
  if (t == "tool.result") {
    return "tool result for " + str(p, "tool_proposal") + ": success=" + str(p, "success");
  }
  if (t == "interrupt.raise") {
    return "interrupt (" + str(p, "urgency") + "): " + text("message");
  }
  if (t == "secret.share") {
    return "secret shared: " + str(p, "key");
  }
  if (t == "context.add" || t == "context.update" || t == "context.remove") {
    return t + " " + str(p, "key");
  }
  if (t == "error") {
    return "error " + str(p, "code") + ": " + text("message");
  }
  return t + (p != nullptr && p->MemberCount() > 0 ? " " + compact(*p, 120) : "");
}

SessionStats stats_of(const std::vector<pvpd::journal::Record> &records) {
  SessionStats s;
  for (const auto &r : records) {
    const Message m = parse_message(r);
    if (s.messages == 0) {
      s.first_seq = r.seq;
      s.first_ts = m.ts;
    }
    ++s.messages;
    s.last_seq = r.seq;
    if (!m.ts.empty()) {
      s.last_ts = m.ts;
    }
    if (!m.sender.empty()) {
      ++s.senders[m.sender];
    }
    ++s.types[m.parsed ? m.type : "(unparseable)"];
  }
  return s;
}

}  // namespace pvpd::report
