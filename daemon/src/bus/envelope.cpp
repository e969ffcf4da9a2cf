#include "bus/envelope.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace pvpd::bus {
namespace {

rapidjson::Value make_string(std::string_view s, rapidjson::Document::AllocatorType &alloc) {
  return make_json_string(s, alloc);
}

bool valid_type_string(std::string_view t) {
  if (t.empty() || t.size() > kMaxTypeLength) {
    return false;
  }
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool fail(EnvelopeError *error, std::string code, std::string message) {
  error->code = std::move(code);
  error->message = std::move(message);
  return false;
}

}  // namespace

rapidjson::Value make_json_string(std::string_view s, rapidjson::Document::AllocatorType &alloc) {
  return rapidjson::Value(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()),
                          alloc);
}

size_t json_nesting_depth(std::string_view json, size_t limit) {
  size_t depth = 0;
  size_t max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > max_depth) {
          max_depth = depth;
          if (max_depth > limit) {
            return max_depth;
          }
        }
        break;
      case '}':
      case ']':
        if (depth > 0) {
          --depth;
        }
        break;
      default: break;
    }
  }
  return max_depth;
}

Envelope Envelope::make(std::string_view type, std::string_view session, std::string_view sender,
                        std::string_view id, std::string_view ts) {
  Envelope env;
  auto &alloc = env.doc_.GetAllocator();
  env.doc_.SetObject();
  env.doc_.AddMember("v", kProtocolVersion, alloc);
  env.doc_.AddMember("id", make_string(id, alloc), alloc);
  env.doc_.AddMember("ts", make_string(ts, alloc), alloc);
  env.doc_.AddMember("session", make_string(session, alloc), alloc);
  env.doc_.AddMember("sender", make_string(sender, alloc), alloc);
  env.doc_.AddMember("type", make_string(type, alloc), alloc);
  env.doc_.AddMember("payload", rapidjson::Value(rapidjson::kObjectType), alloc);
  return env;
}

std::string_view Envelope::get_string(std::string_view name) const {
  if (!doc_.IsObject()) {
    return {};
  }
  auto it = doc_.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (it == doc_.MemberEnd() || !it->value.IsString()) {
    return {};
  }
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

bool Envelope::has_member(std::string_view name) const {
  return doc_.IsObject() &&
         doc_.FindMember(rapidjson::Value(rapidjson::StringRef(
             name.data(), static_cast<rapidjson::SizeType>(name.size())))) != doc_.MemberEnd();
}

rapidjson::Value &Envelope::payload() {
  return doc_["payload"];
}
const rapidjson::Value &Envelope::payload() const {
  return doc_["payload"];
}

void Envelope::set_string(std::string_view name, std::string_view value) {
  auto &alloc = doc_.GetAllocator();
  auto key = rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  auto it = doc_.FindMember(rapidjson::Value(key));
  if (it != doc_.MemberEnd()) {
    it->value = make_json_string(value, alloc);
  } else {
    doc_.AddMember(make_string(name, alloc), make_string(value, alloc), alloc);
  }
}

void Envelope::set_uint(std::string_view name, uint64_t value) {
  auto &alloc = doc_.GetAllocator();
  auto key = rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  auto it = doc_.FindMember(rapidjson::Value(key));
  if (it != doc_.MemberEnd()) {
    it->value.SetUint64(value);
  } else {
    doc_.AddMember(make_string(name, alloc), rapidjson::Value(value), alloc);
  }
}

BufferRef Envelope::encode() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> writer(sb);
  doc_.Accept(writer);
  return BufferRef::copy_of(std::string_view(sb.GetString(), sb.GetSize()));
}

bool parse_envelope(std::string_view json, size_t max_bytes, Envelope *out, EnvelopeError *error) {
  if (json.size() > max_bytes) {
    return fail(error, "INVALID_MESSAGE",
                "message of " + std::to_string(json.size()) + " bytes exceeds the limit of " +
                    std::to_string(max_bytes) + " bytes");
  }
  if (json_nesting_depth(json, kMaxNestingDepth) > kMaxNestingDepth) {
    return fail(error, "INVALID_MESSAGE",
                "JSON nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels");
  }
  rapidjson::Document &doc = out->document();
  // Iterative parsing keeps the parser off the call stack; invalid UTF-8 and trailing garbage
  // are errors.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                    json.size());
  if (doc.HasParseError()) {
    return fail(error, "INVALID_MESSAGE",
                std::string("malformed JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                    ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return fail(error, "INVALID_MESSAGE", "a message must be a JSON object");
  }
  for (auto [field, slot] : {std::pair{"id", &error->related_to}, {"session", &error->session}}) {
    auto it = doc.FindMember(field);
    if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0 &&
        it->value.GetStringLength() <= kMaxIdLength) {
      slot->assign(it->value.GetString(), it->value.GetStringLength());
    }
  }
  auto type_it = doc.FindMember("type");
  if (type_it == doc.MemberEnd() || !type_it->value.IsString()) {
    return fail(error, "INVALID_MESSAGE", "missing string field 'type'");
  }
  std::string_view type(type_it->value.GetString(), type_it->value.GetStringLength());
  if (!valid_type_string(type)) {
    return fail(error, "INVALID_MESSAGE",
                "field 'type' must be 1-64 characters of a-z, 0-9, '_' and '.'");
  }
  auto v_it = doc.FindMember("v");
  if (v_it != doc.MemberEnd() &&
      !(v_it->value.IsInt() && v_it->value.GetInt() == kProtocolVersion)) {
    return fail(error, "INVALID_MESSAGE", "unsupported protocol version (this server speaks v 1)");
  }
  for (const char *field : {"id", "session", "sender", "ref", "fork"}) {
    auto it = doc.FindMember(field);
    if (it == doc.MemberEnd()) {
      continue;
    }
    if (!it->value.IsString()) {
      return fail(error, "INVALID_MESSAGE", std::string("field '") + field + "' must be a string");
    }
    if (it->value.GetStringLength() > kMaxIdLength) {
      return fail(error, "INVALID_MESSAGE",
                  std::string("field '") + field + "' is longer than " +
                      std::to_string(kMaxIdLength) + " characters");
    }
  }
  auto seq_it = doc.FindMember("seq");
  if (seq_it != doc.MemberEnd() && !seq_it->value.IsUint64()) {
    return fail(error, "INVALID_MESSAGE", "field 'seq' must be a non-negative integer");
  }
  auto payload_it = doc.FindMember("payload");
  if (payload_it == doc.MemberEnd()) {
    doc.AddMember("payload", rapidjson::Value(rapidjson::kObjectType), doc.GetAllocator());
  } else if (!payload_it->value.IsObject()) {
    return fail(error, "INVALID_MESSAGE", "field 'payload' must be a JSON object");
  }
  return true;
}

}  // namespace pvpd::bus
