// Frame builders (RapidJSON writer: strings are always given with explicit lengths).
#include "frames.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace pvpd::t140 {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Every string goes through here: an empty std::string has a valid data() pointer.
void str(Writer &w, const std::string &s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void head(Writer &w, const char *type, const std::string &session, const SpeakerInfo &sp) {
  w.Key("v");
  w.Int(1);
  w.Key("type");
  w.String(type);
  w.Key("session");
  str(w, session);
  w.Key("sender");
  str(w, sp.participant_id);
}

std::string done(rapidjson::StringBuffer &sb) {
  return std::string(sb.GetString(), sb.GetSize());
}

// Larger than any seq: the virtual participant needs no history replay (it reads nothing).
constexpr uint64_t kNoReplay = (uint64_t{1} << 53) - 1;

}  // namespace

std::string create_frame(const std::string &session, const std::string &name,
                         const std::string &config_json, const SpeakerInfo &speaker) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  head(w, "session.create", session, speaker);
  w.Key("payload");
  w.StartObject();
  if (!name.empty()) {
    w.Key("name");
    str(w, name);
  }
  w.Key("config");
  if (config_json.empty()) {
    static constexpr std::string_view kDefaults =
        R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},)"
        R"("allow_forks":true,"max_participants":10,"ordering_mode":"causal",)"
        R"("on_participant_timeout":"wait","heartbeat_interval_seconds":30,)"
        R"("idle_timeout_seconds":300,"away_timeout_seconds":600})";
    w.RawValue(kDefaults.data(), kDefaults.size(), rapidjson::kObjectType);
  } else {
    w.RawValue(config_json.data(), config_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return done(sb);
}

std::string join_frame(const std::string &session, const SpeakerInfo &speaker) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  head(w, "session.join", session, speaker);
  w.Key("payload");
  w.StartObject();
  w.Key("participant");
  w.StartObject();
  w.Key("id");
  str(w, speaker.participant_id);
  w.Key("name");
  str(w, speaker.name);
  w.Key("type");
  w.String("human");
  w.Key("roles");
  w.StartArray();
  for (const std::string &r : speaker.roles) {
    str(w, r);
  }
  w.EndArray();
  w.Key("transport");
  w.String("t140");
  w.Key("metadata");
  w.StartObject();
  w.Key("t140_source");
  str(w, speaker.source);
  w.Key("peer");
  str(w, speaker.peer);
  w.Key("resume_from");
  w.Uint64(kNoReplay);
  w.EndObject();
  w.EndObject();
  w.Key("supported_versions");
  w.StartArray();
  w.Int(1);
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return done(sb);
}

std::string context_key(const SpeakerInfo &speaker, uint64_t index) {
  return "t140/" + speaker.participant_id + "/" + speaker.stream + "/" + std::to_string(index);
}

std::string context_frame(const std::string &session, const SpeakerInfo &speaker,
                          const Chunk &chunk, bool gated) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  head(w, "context.add", session, speaker);
  w.Key("payload");
  w.StartObject();
  w.Key("key");
  str(w, context_key(speaker, chunk.index));
  w.Key("content_type");
  w.String("audio_transcript");
  w.Key("content");
  str(w, chunk.text);
  w.Key("source");
  str(w, speaker.source);
  w.Key("tags");
  w.StartArray();
  w.String("transcript");
  str(w, "speaker:" + speaker.participant_id);
  if (chunk.lossy) {
    w.String("lossy");
  }
  if (chunk.revision) {
    w.String("revision");
  }
  w.EndArray();
  w.Key("lossy");
  w.Bool(chunk.lossy);
  w.Key("sequence");
  w.Uint64(chunk.index);
  if (gated) {
    w.Key("requires_approval");
    w.Bool(true);
  }
  w.EndObject();
  w.EndObject();
  return done(sb);
}

std::string leave_frame(const std::string &session, const SpeakerInfo &speaker,
                        const std::string &reason) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  head(w, "session.leave", session, speaker);
  w.Key("payload");
  w.StartObject();
  w.Key("reason");
  str(w, reason);
  w.EndObject();
  w.EndObject();
  return done(sb);
}

}  // namespace pvpd::t140
