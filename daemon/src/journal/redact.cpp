#include "journal/redact.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "journal/hash_chain.h"
#include "journal/secret_key.h"

namespace pvpd::journal {

bool looks_like_secret_reference(std::string_view ref) {
  if (ref.empty() || ref.size() > 1024) {
    return false;
  }
  for (char c : ref) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      return false;  // references have no whitespace or control characters
    }
  }
  const size_t colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  const std::string_view scheme = ref.substr(0, colon);
  for (char c : scheme) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  const std::string_view rest = ref.substr(colon + 1);
  if (rest.substr(0, 2) == "//" && rest.size() > 2) {
    return true;
  }
  if (scheme == "sha256") {
    return is_hash_hex(rest);
  }
  return (scheme == "env" || scheme == "cred" || scheme == "credential" || scheme == "file") &&
         !rest.empty();
}

namespace {

std::string serialize(const rapidjson::Value &v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

void replace_with_hash(rapidjson::Value &v, rapidjson::Document::AllocatorType &alloc) {
  const std::string bytes =
      v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : serialize(v);
  const std::string digest = "sha256:" + sha256_hex(bytes);
  rapidjson::Value obj(rapidjson::kObjectType);
  obj.AddMember("redacted", rapidjson::Value(digest.c_str(), alloc), alloc);
  v = obj;
}

}  // namespace

std::string redact_secret_share(std::string_view message_json) {
  rapidjson::Document doc;
  doc.Parse(message_json.data(), message_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return R"({"redacted":"unparseable secret.share"})";
  }
  auto payload = doc.FindMember("payload");
  if (payload == doc.MemberEnd() || !payload->value.IsObject()) {
    return std::string(message_json);  // nothing that could hold a value
  }
  bool changed = false;
  auto &alloc = doc.GetAllocator();
  if (auto v = payload->value.FindMember("value"); v != payload->value.MemberEnd()) {
    replace_with_hash(v->value, alloc);
    changed = true;
  }
  if (auto r = payload->value.FindMember("value_ref"); r != payload->value.MemberEnd()) {
    const bool is_ref =
        r->value.IsString() && looks_like_secret_reference(std::string_view(
                                   r->value.GetString(), r->value.GetStringLength()));
    if (!is_ref) {
      replace_with_hash(r->value, alloc);
      changed = true;
    }
  }
  return changed ? serialize(doc) : std::string(message_json);
}

namespace {

// The SHA-256 hex of the secret `v` stands for, whatever form the value arrived in.
std::string value_sha256_hex(const rapidjson::Value &v) {
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (s.substr(0, 7) == "sha256:" && is_hash_hex(s.substr(7))) {
      return std::string(s.substr(7));  // already digested by the session layer
    }
    return sha256_hex(s);
  }
  if (v.IsObject() && v.MemberCount() == 1) {
    auto r = v.FindMember("redacted");
    if (r != v.MemberEnd() && r->value.IsString()) {
      const std::string_view s(r->value.GetString(), r->value.GetStringLength());
      if (s.substr(0, 7) == "sha256:" && is_hash_hex(s.substr(7))) {
        return std::string(s.substr(7));
      }
    }
  }
  return sha256_hex(serialize(v));
}

}  // namespace

bool may_be_secret_share(std::string_view message_json) {
  return message_json.find("\"secret.share\"") != std::string_view::npos;
}

std::string hmac_secret_share(std::string_view message_json, std::string_view key) {
  if (key.empty() || !may_be_secret_share(message_json)) {
    return std::string(message_json);
  }
  rapidjson::Document doc;
  doc.Parse(message_json.data(), message_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return R"({"redacted":"unparseable secret.share"})";
  }
  auto type = doc.FindMember("type");
  if (type == doc.MemberEnd() || !type->value.IsString() ||
      std::string_view(type->value.GetString(), type->value.GetStringLength()) != "secret.share") {
    return std::string(message_json);
  }
  auto payload = doc.FindMember("payload");
  if (payload == doc.MemberEnd() || !payload->value.IsObject()) {
    return std::string(message_json);
  }
  auto &alloc = doc.GetAllocator();
  auto digest = [&](rapidjson::Value &v) {
    const std::string d = secret_digest_from_sha256(key, value_sha256_hex(v));
    v.SetString(d.c_str(), static_cast<rapidjson::SizeType>(d.size()), alloc);
  };
  bool changed = false;
  if (auto v = payload->value.FindMember("value"); v != payload->value.MemberEnd()) {
    digest(v->value);
    changed = true;
  }
  if (auto r = payload->value.FindMember("value_ref"); r != payload->value.MemberEnd()) {
    const bool keep =
        r->value.IsString() &&
        looks_like_secret_reference(
            std::string_view(r->value.GetString(), r->value.GetStringLength())) &&
        std::string_view(r->value.GetString(), r->value.GetStringLength()).substr(0, 7) !=
            "sha256:";
    if (!keep) {
      digest(r->value);
      changed = true;
    }
  }
  return changed ? serialize(doc) : std::string(message_json);
}

}  // namespace pvpd::journal
