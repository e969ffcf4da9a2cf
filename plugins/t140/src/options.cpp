// Parsing of the normalized instance config (see options.h).
#include "options.h"

#include <arpa/inet.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace pvpd::t140 {
namespace {

const rapidjson::Value *member(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

class Reader {
 public:
  explicit Reader(std::vector<SettingsError> *errors) : errors_(errors) {}

  void string(const rapidjson::Value *v, const std::string &pointer, std::string *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsString()) {
      fail(pointer, "expected a string");
      return;
    }
    out->assign(v->GetString(), v->GetStringLength());
  }

  void strings(const rapidjson::Value *v, const std::string &pointer,
               std::vector<std::string> *out) {
    if (v == nullptr) {
      return;
    }
    if (v->IsString()) {
      out->assign(1, std::string(v->GetString(), v->GetStringLength()));
      return;
    }
    if (!v->IsArray()) {
      fail(pointer, "expected a list of strings");
      return;
    }
    out->clear();
    for (const auto &item : v->GetArray()) {
      if (!item.IsString()) {
        fail(pointer, "expected a list of strings");
        return;
      }
      out->emplace_back(item.GetString(), item.GetStringLength());
    }
  }

  template <typename T>
  void count(const rapidjson::Value *v, const std::string &pointer, T *out, uint64_t lo,
             uint64_t hi) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsUint64() || v->GetUint64() < lo || v->GetUint64() > hi) {
      fail(pointer, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      return;
    }
    *out = static_cast<T>(v->GetUint64());
  }

  void number(const rapidjson::Value *v, const std::string &pointer, double *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsNumber() || v->GetDouble() < 0) {
      fail(pointer, "expected a number >= 0");
      return;
    }
    *out = v->GetDouble();
  }

  void boolean(const rapidjson::Value *v, const std::string &pointer, bool *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsBool()) {
      fail(pointer, "expected true or false");
      return;
    }
    *out = v->GetBool();
  }

  void fail(std::string pointer, std::string message) {
    errors_->push_back({std::move(pointer), std::move(message)});
  }

 private:
  std::vector<SettingsError> *errors_;
};

bool parse_hex(const std::string &hex, std::string *out) {
  if (hex.size() % 2 != 0) {
    return false;
  }
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) {
      return false;
    }
    bytes.push_back(static_cast<char>(value));
  }
  *out = std::move(bytes);
  return true;
}

bool valid_stream_key(const std::string &key) {
  static constexpr std::string_view kKinds[] = {"ssrc:", "csrc:", "prefix:", "source:"};
  if (key == "*") {
    return true;
  }
  for (std::string_view k : kKinds) {
    if (key.size() > k.size() && key.compare(0, k.size(), k) == 0) {
      return true;
    }
  }
  return false;
}

void parse_listener(const rapidjson::Value &v, std::size_t index, Reader &r, ListenerSettings *l) {
  const std::string base = "/listeners/" + std::to_string(index);
  l->name = "l" + std::to_string(index);
  if (!v.IsObject()) {
    r.fail(base, "expected a map");
    return;
  }
  r.string(member(v, "name"), base + "/name", &l->name);
  r.string(member(v, "address"), base + "/address", &l->address);
  r.count(member(v, "port"), base + "/port", &l->port, 0, 65535);
  r.string(member(v, "port_file"), base + "/port_file", &l->port_file);
  r.string(member(v, "session"), base + "/session", &l->session);
  r.string(member(v, "session_name"), base + "/session_name", &l->session_name);
  r.boolean(member(v, "create_session"), base + "/create_session", &l->create_session);
  r.boolean(member(v, "join_by_name"), base + "/join_by_name", &l->join_by_name);
  if (l->join_by_name && l->session_name.empty()) {
    r.fail(base + "/join_by_name", "join_by_name needs session_name (the name to look up)");
  }
  r.string(member(v, "token"), base + "/token", &l->token);
  if (const rapidjson::Value *sc = member(v, "session_config")) {
    if (!sc->IsObject()) {
      r.fail(base + "/session_config", "expected a map (a PVP SessionConfig)");
    } else {
      rapidjson::StringBuffer sb;
      rapidjson::Writer<rapidjson::StringBuffer> w(sb);
      sc->Accept(w);
      l->session_config.assign(sb.GetString(), sb.GetSize());
    }
  }
  r.count(member(v, "t140_pt"), base + "/t140_pt", &l->t140_pt, 0, 127);
  r.count(member(v, "red_pt"), base + "/red_pt", &l->red_pt, 0, 127);
  std::string demux = "ssrc";
  r.string(member(v, "demux"), base + "/demux", &demux);
  if (demux == "ssrc+csrc") {
    l->demux = Demux::kSsrcCsrc;
  } else if (demux == "ssrc+prefix") {
    l->demux = Demux::kSsrcPrefix;
  } else if (demux != "ssrc") {
    r.fail(base + "/demux", "expected ssrc, ssrc+csrc or ssrc+prefix");
  }
  r.string(member(v, "auto_name_prefix"), base + "/auto_name_prefix", &l->auto_name_prefix);
  r.strings(member(v, "default_roles"), base + "/default_roles", &l->default_roles);
  if (const rapidjson::Value *ps = member(v, "participants")) {
    if (!ps->IsArray()) {
      r.fail(base + "/participants", "expected a list of maps");
    } else {
      for (rapidjson::SizeType i = 0; i < ps->Size(); ++i) {
        const std::string pb = base + "/participants/" + std::to_string(i);
        ParticipantRule rule;
        r.string(member((*ps)[i], "stream"), pb + "/stream", &rule.stream);
        r.string(member((*ps)[i], "id"), pb + "/id", &rule.id);
        r.string(member((*ps)[i], "name"), pb + "/name", &rule.name);
        rule.roles = l->default_roles;
        r.strings(member((*ps)[i], "roles"), pb + "/roles", &rule.roles);
        if (!valid_stream_key(rule.stream)) {
          r.fail(pb + "/stream",
                 "expected *, ssrc:<hex>, csrc:<n>, prefix:<id> or source:<ip>, got '" +
                     rule.stream + "'");
        }
        if (rule.id.empty() || rule.id.size() > 100) {
          r.fail(pb + "/id", "a participant id of 1 to 100 bytes is required");
        }
        if (rule.name.empty()) {
          rule.name = rule.id;
        }
        l->participants.push_back(std::move(rule));
      }
    }
  }
  std::vector<std::string> allow;
  r.strings(member(v, "allow_from"), base + "/allow_from", &allow);
  for (std::size_t i = 0; i < allow.size(); ++i) {
    AddressRule rule;
    if (!parse_address_rule(allow[i], &rule)) {
      r.fail(base + "/allow_from/" + std::to_string(i),
             "expected an IP address or CIDR range, got '" + allow[i] + "'");
      continue;
    }
    l->allow_from.push_back(rule);
  }
  if (const rapidjson::Value *rl = member(v, "rate_limit")) {
    r.number(member(*rl, "per_second"), base + "/rate_limit/per_second", &l->rate_per_second);
    r.number(member(*rl, "burst"), base + "/rate_limit/burst", &l->rate_burst);
  }
  r.count(member(v, "max_streams"), base + "/max_streams", &l->max_streams, 1, 100000);
  r.count(member(v, "reorder_wait"), base + "/reorder_wait", &l->sequence.reorder_wait_ms, 0,
          10000);
  r.boolean(member(v, "t140llm_compat"), base + "/t140llm_compat", &l->t140llm_compat);
  r.count(member(v, "sentence_settle"), base + "/sentence_settle", &l->chunking.settle_ms, 0,
          60000);
  r.count(member(v, "idle_flush"), base + "/idle_flush", &l->chunking.idle_flush_ms, 10, 3600000);
  r.count(member(v, "max_chunk"), base + "/max_chunk", &l->chunking.max_chunk_bytes, 16,
          256 * 1024);
  r.count(member(v, "stream_timeout"), base + "/stream_timeout", &l->stream_timeout_ms, 100,
          86400000);
  if (l->stream_timeout_ms < l->chunking.idle_flush_ms) {
    r.fail(base + "/stream_timeout", "stream_timeout must be at least idle_flush");
  }
  if (l->t140_pt == l->red_pt) {
    r.fail(base + "/red_pt", "red_pt must differ from t140_pt");
  }
  if (const rapidjson::Value *srtp = member(v, "srtp")) {
    std::string profile = "AES_CM_128_HMAC_SHA1_80";
    r.string(member(*srtp, "profile"), base + "/srtp/profile", &profile);
    if (profile == "AEAD_AES_128_GCM") {
      l->srtp_profile = SrtpProfile::kAeadAes128Gcm;
    } else if (profile != "AES_CM_128_HMAC_SHA1_80") {
      r.fail(base + "/srtp/profile", "expected AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM");
    }
    std::string hex;
    r.string(member(*srtp, "key"), base + "/srtp/key", &hex);
    if (!hex.empty()) {
      // The key is a secret: messages never quote it.
      const std::size_t want = srtp_key_length(l->srtp_profile);
      if (!srtp_available()) {
        r.fail(base + "/srtp/key",
               "this build of pvpd-t140 has no SRTP (libsrtp2 was not found at build time)");
      } else if (!parse_hex(hex, &l->srtp_key) || l->srtp_key.size() != want) {
        l->srtp_key.clear();
        r.fail(base + "/srtp/key", "expected " + std::to_string(want * 2) +
                                       " hex digits (master key then master salt) for " + profile);
      }
    }
  }
  unsigned char probe[16];
  if (inet_pton(AF_INET, l->address.c_str(), probe) != 1 &&
      inet_pton(AF_INET6, l->address.c_str(), probe) != 1) {
    r.fail(base + "/address", "expected an IPv4 or IPv6 address, got '" + l->address + "'");
  }
}

}  // namespace

bool parse_address_rule(std::string_view text, AddressRule *out) {
  std::string addr(text);
  int prefix = -1;
  if (std::size_t slash = addr.find('/'); slash != std::string::npos) {
    std::string_view p = std::string_view(addr).substr(slash + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size()) {
      return false;
    }
    prefix = value;
    addr.resize(slash);
  }
  AddressRule rule;
  rule.text = std::string(text);
  if (inet_pton(AF_INET, addr.c_str(), rule.bytes) == 1) {
    rule.family = AF_INET;
    rule.prefix = prefix < 0 ? 32 : prefix;
    if (rule.prefix > 32) {
      return false;
    }
  } else if (inet_pton(AF_INET6, addr.c_str(), rule.bytes) == 1) {
    rule.family = AF_INET6;
    rule.prefix = prefix < 0 ? 128 : prefix;
    if (rule.prefix > 128) {
      return false;
    }
  } else {
    return false;
  }
  *out = rule;
  return true;
}

bool address_matches(const AddressRule &rule, int family, const unsigned char *bytes) {
  if (family != rule.family) {
    return false;
  }
  int bits = rule.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<unsigned char>(bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu);
    if ((bytes[i] & mask) != (rule.bytes[i] & mask)) {
      return false;
    }
  }
  return true;
}

std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out) {
  std::vector<SettingsError> errors;
  rapidjson::Document doc;
  if (config_json.empty()) {
    doc.SetObject();
  } else {
    doc.Parse(config_json.data(), config_json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      errors.push_back({"", "config is not a JSON object"});
      return errors;
    }
  }
  Settings s;
  Reader r(&errors);
  r.boolean(member(doc, "gate_transcripts"), "/gate_transcripts", &s.gate_transcripts);
  const rapidjson::Value *ls = member(doc, "listeners");
  if (ls == nullptr) {
    s.listeners.emplace_back();
    s.listeners.back().name = "l0";
  } else if (!ls->IsArray() || ls->Empty()) {
    r.fail("/listeners", "expected a non-empty list of listeners");
  } else {
    for (rapidjson::SizeType i = 0; i < ls->Size(); ++i) {
      ListenerSettings l;
      parse_listener((*ls)[i], i, r, &l);
      for (const ListenerSettings &other : s.listeners) {
        if (other.name == l.name) {
          r.fail("/listeners/" + std::to_string(i) + "/name",
                 "listener name '" + l.name + "' is used twice");
        }
      }
      s.listeners.push_back(std::move(l));
    }
  }
  for (ListenerSettings &l : s.listeners) {
    l.gate_transcripts = s.gate_transcripts;
  }
  if (errors.empty()) {
    *out = std::move(s);
  }
  return errors;
}

}  // namespace pvpd::t140
