#include "session/proposal_digest.h"

#include "util/canonical_json.h"

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

void write_string(Writer &w, std::string_view s) {
  w.String(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::string canonical_json_text(const rapidjson::Value &value) {
  return canonical_json(value);
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
  const std::string args = canonical_json(arguments);
  w.RawValue(args.data(), args.size(), arguments.GetType());
  w.Key("tool_name");
  write_string(w, tool_name);
  w.EndObject();
  return sha256_hex(std::string_view(buf.GetString(), buf.GetSize()));
}

}  // namespace pvpd::session
