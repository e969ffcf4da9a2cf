#include "session/session_config.h"

namespace pvpd::session {

SessionConfig::SessionConfig() {
  default_gate_quorum.SetObject();
  default_gate_quorum.AddMember("type", "any", default_gate_quorum.GetAllocator());
  default_gate_quorum.AddMember("count", 1, default_gate_quorum.GetAllocator());
}

SessionConfig::SessionConfig(const SessionConfig &o)
    : require_approval_for(o.require_approval_for),
      allow_forks(o.allow_forks),
      max_participants(o.max_participants),
      ordering_mode(o.ordering_mode),
      on_participant_timeout(o.on_participant_timeout),
      heartbeat_interval_seconds(o.heartbeat_interval_seconds),
      idle_timeout_seconds(o.idle_timeout_seconds),
      away_timeout_seconds(o.away_timeout_seconds) {
  default_gate_quorum.CopyFrom(o.default_gate_quorum, default_gate_quorum.GetAllocator());
}

SessionConfig &SessionConfig::operator=(const SessionConfig &o) {
  if (this != &o) {
    SessionConfig copy(o);
    require_approval_for = std::move(copy.require_approval_for);
    default_gate_quorum.CopyFrom(o.default_gate_quorum, default_gate_quorum.GetAllocator());
    allow_forks = o.allow_forks;
    max_participants = o.max_participants;
    ordering_mode = o.ordering_mode;
    on_participant_timeout = o.on_participant_timeout;
    heartbeat_interval_seconds = o.heartbeat_interval_seconds;
    idle_timeout_seconds = o.idle_timeout_seconds;
    away_timeout_seconds = o.away_timeout_seconds;
  }
  return *this;
}

void SessionConfig::merge(const rapidjson::Value &c) {
  if (!c.IsObject()) {
    return;
  }
  auto uint_of = [&](const char *key, uint32_t &field) {
    auto it = c.FindMember(key);
    if (it != c.MemberEnd() && it->value.IsUint()) {
      field = it->value.GetUint();
    }
  };
  auto str_of = [&](const char *key, std::string &field) {
    auto it = c.FindMember(key);
    if (it != c.MemberEnd() && it->value.IsString()) {
      field = it->value.GetString();
    }
  };
  if (auto it = c.FindMember("require_approval_for"); it != c.MemberEnd() && it->value.IsArray()) {
    require_approval_for.clear();
    for (const auto &v : it->value.GetArray()) {
      if (v.IsString()) {
        require_approval_for.emplace_back(v.GetString());
      }
    }
  }
  if (auto it = c.FindMember("default_gate_quorum"); it != c.MemberEnd() && it->value.IsObject()) {
    default_gate_quorum.CopyFrom(it->value, default_gate_quorum.GetAllocator());
  }
  if (auto it = c.FindMember("allow_forks"); it != c.MemberEnd() && it->value.IsBool()) {
    allow_forks = it->value.GetBool();
  }
  uint_of("max_participants", max_participants);
  str_of("ordering_mode", ordering_mode);
  str_of("on_participant_timeout", on_participant_timeout);
  uint_of("heartbeat_interval_seconds", heartbeat_interval_seconds);
  uint_of("idle_timeout_seconds", idle_timeout_seconds);
  uint_of("away_timeout_seconds", away_timeout_seconds);
}

void SessionConfig::write(rapidjson::Value &out, rapidjson::Document::AllocatorType &alloc) const {
  out.SetObject();
  rapidjson::Value cats(rapidjson::kArrayType);
  for (const auto &c : require_approval_for) {
    cats.PushBack(rapidjson::Value(c.c_str(), alloc), alloc);
  }
  out.AddMember("require_approval_for", cats, alloc);
  rapidjson::Value q;
  q.CopyFrom(default_gate_quorum, alloc);
  out.AddMember("default_gate_quorum", q, alloc);
  out.AddMember("allow_forks", allow_forks, alloc);
  out.AddMember("max_participants", max_participants, alloc);
  out.AddMember("ordering_mode", rapidjson::Value(ordering_mode.c_str(), alloc), alloc);
  out.AddMember("on_participant_timeout", rapidjson::Value(on_participant_timeout.c_str(), alloc),
                alloc);
  out.AddMember("heartbeat_interval_seconds", heartbeat_interval_seconds, alloc);
  out.AddMember("idle_timeout_seconds", idle_timeout_seconds, alloc);
  out.AddMember("away_timeout_seconds", away_timeout_seconds, alloc);
}

}  // namespace pvpd::session
