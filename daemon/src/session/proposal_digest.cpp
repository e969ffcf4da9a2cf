#include "session/proposal_digest.h"

#include <openssl/evp.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace pvpd::session {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool key_less(const rapidjson::Value *a, const rapidjson::Value *b) {
  std::string_view ka(a->GetString(), a->GetStringLength());
  std::string_view kb(b->GetString(), b->GetStringLength());
  return ka < kb;
}

void write_sorted(const rapidjson::Value &v, Writer &w) {
  if (v.IsObject()) {
    // Sort pointers to the members, not the members: the input is const and may be large.
    std::vector<const rapidjson::Value::Member *> members;
    members.reserve(v.MemberCount());
    for (const auto &m : v.GetObject()) {
      members.push_back(&m);
    }
    std::stable_sort(members.begin(), members.end(),
                     [](const auto *a, const auto *b) { return key_less(&a->name, &b->name); });
    w.StartObject();
    for (const auto *m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      write_sorted(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto &e : v.GetArray()) {
      write_sorted(e, w);
    }
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

void write_string(Writer &w, std::string_view s) {
  w.String(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::string canonical_json_text(const rapidjson::Value &value) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_sorted(value, w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // One-shot SHA-256 cannot fail short of a broken libcrypto. Returning anything (an empty
  // digest would read as "unbound") would be worse than stopping.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2u);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0f];
  }
  return out;
}

std::string proposal_digest(std::string_view tool_name, const rapidjson::Value &arguments,
                            std::string_view agent) {
  // Members written directly in key order: "agent" < "arguments" < "tool_name".
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("agent");
  write_string(w, agent);
  w.Key("arguments");
  write_sorted(arguments, w);
  w.Key("tool_name");
  write_string(w, tool_name);
  w.EndObject();
  return sha256_hex(std::string_view(buf.GetString(), buf.GetSize()));
}

}  // namespace pvpd::session
