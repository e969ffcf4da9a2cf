#include "journal/record_format.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "journal/hash_chain.h"

namespace pvpd::journal {

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

void append_json_string(std::string &out, std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 0x0f]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

std::string session_file_stem(std::string_view session) {
  if (session.size() <= kMaxHexNamedSessionBytes) {
    return "s-" + to_hex(session);
  }
  return "h-" + sha256_hex(session);
}

std::string format_header(std::string_view session) {
  std::string out = "{\"pvpd_journal\":" + std::to_string(kFormatVersion) + ",\"session\":";
  append_json_string(out, session);
  out += ",\"genesis\":\"";
  out += genesis_hash(session);
  out += "\"}\n";
  return out;
}

std::string format_record(uint64_t seq, std::string_view prev_hex, std::string_view hash_hex,
                          std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 16 + 200);
  out += "{\"seq\":";
  out += std::to_string(seq);
  out += ",\"prev\":\"";
  out += prev_hex;
  out += "\",\"hash\":\"";
  out += hash_hex;
  out += "\",\"msg\":";
  append_json_string(out, message);
  out += "}\n";
  return out;
}

namespace {

Status parse_object(std::string_view line, rapidjson::Document &doc) {
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  if (doc.HasParseError()) {
    return Status(PVPD_E_INVAL, std::string("not valid JSON (") +
                                    rapidjson::GetParseError_En(doc.GetParseError()) + " at byte " +
                                    std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) {
    return Status(PVPD_E_INVAL, "not a JSON object");
  }
  return Status::ok();
}

// Copies a string member (which may contain NULs) or fails.
Status get_string(const rapidjson::Document &doc, const char *name, std::string &out) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) {
    return Status(PVPD_E_INVAL, std::string("missing or non-string \"") + name + "\"");
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return Status::ok();
}

}  // namespace

Result<ParsedHeader> parse_header(std::string_view line) {
  rapidjson::Document doc;
  if (Status st = parse_object(line, doc); !st) {
    return Status(st.code(), "header: " + st.message());
  }
  auto v = doc.FindMember("pvpd_journal");
  if (v == doc.MemberEnd() || !v->value.IsInt()) {
    return Status(PVPD_E_INVAL, "header: not a pvpd journal (no \"pvpd_journal\" version)");
  }
  if (v->value.GetInt() != kFormatVersion) {
    return Status(PVPD_E_UNSUPPORTED,
                  "header: unsupported journal version " + std::to_string(v->value.GetInt()));
  }
  ParsedHeader h;
  if (Status st = get_string(doc, "session", h.session); !st) {
    return Status(st.code(), "header: " + st.message());
  }
  if (Status st = get_string(doc, "genesis", h.genesis); !st) {
    return Status(st.code(), "header: " + st.message());
  }
  return h;
}

Result<ParsedRecord> parse_record(std::string_view line) {
  rapidjson::Document doc;
  if (Status st = parse_object(line, doc); !st) {
    return st;
  }
  ParsedRecord r;
  auto seq = doc.FindMember("seq");
  if (seq == doc.MemberEnd() || !seq->value.IsUint64()) {
    return Status(PVPD_E_INVAL, "missing or invalid \"seq\"");
  }
  r.seq = seq->value.GetUint64();
  if (Status st = get_string(doc, "prev", r.prev); !st) {
    return st;
  }
  if (Status st = get_string(doc, "hash", r.hash); !st) {
    return st;
  }
  if (Status st = get_string(doc, "msg", r.msg); !st) {
    return st;
  }
  if (!is_hash_hex(r.prev) || !is_hash_hex(r.hash)) {
    return Status(PVPD_E_INVAL, "\"prev\"/\"hash\" is not 64 lower-case hex digits");
  }
  return r;
}

}  // namespace pvpd::journal
