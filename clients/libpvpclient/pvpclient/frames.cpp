// Frame builders (see frames.h).
#include "pvpclient/frames.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <functional>
#include <random>

namespace pvpd::client {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer &w, const std::string &s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void key(Writer &w, const char *k) {
  w.Key(k);
}

void str_array(Writer &w, const std::vector<std::string> &items) {
  w.StartArray();
  for (const auto &s : items) {
    put(w, s);
  }
  w.EndArray();
}

// Writes the envelope around a payload written by `payload`.
Frame envelope(const std::string &session, const std::string &sender, const char *type,
               const std::function<void(Writer &)> &payload) {
  Frame f;
  f.id = new_id();
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "v");
  w.Int(1);
  key(w, "id");
  put(w, f.id);
  key(w, "type");
  w.String(type);
  key(w, "session");
  put(w, session);
  key(w, "sender");
  put(w, sender);
  key(w, "payload");
  w.StartObject();
  payload(w);
  w.EndObject();
  w.EndObject();
  f.text.assign(buf.GetString(), buf.GetSize());
  return f;
}

}  // namespace

std::string new_id() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  std::string out(26, '0');
  for (int i = 9; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  for (size_t i = 10; i < 26; ++i) {
    out[i] = kAlphabet[rng() & 31];
  }
  return out;
}

Frame create_frame(const std::string &session, const std::string &sender, const std::string &name) {
  // The reference TUI's defaults (anchor §10), so sessions behave alike on both servers.
  return envelope(session, sender, "session.create", [&](Writer &w) {
    key(w, "name");
    put(w, name);
    key(w, "config");
    w.StartObject();
    key(w, "require_approval_for");
    w.StartArray();
    w.EndArray();
    key(w, "default_gate_quorum");
    w.StartObject();
    key(w, "type");
    w.String("any");
    key(w, "count");
    w.Int(1);
    w.EndObject();
    key(w, "allow_forks");
    w.Bool(true);
    key(w, "max_participants");
    w.Int(10);
    key(w, "ordering_mode");
    w.String("causal");
    key(w, "on_participant_timeout");
    w.String("skip");
    key(w, "heartbeat_interval_seconds");
    w.Int(30);
    key(w, "idle_timeout_seconds");
    w.Int(120);
    key(w, "away_timeout_seconds");
    w.Int(300);
    w.EndObject();
  });
}

Frame join_frame(const JoinRequest &j) {
  return envelope(j.session, j.id, "session.join", [&](Writer &w) {
    key(w, "participant");
    w.StartObject();
    key(w, "id");
    put(w, j.id);
    key(w, "name");
    put(w, j.name);
    key(w, "type");
    put(w, j.type);
    key(w, "roles");
    str_array(w, j.roles);
    key(w, "capabilities");
    str_array(w, j.capabilities);
    key(w, "transport");
    w.String("websocket");
    if (j.resume_from) {
      key(w, "metadata");
      w.StartObject();
      key(w, "resume_from");
      w.Uint64(*j.resume_from);
      w.EndObject();
    }
    w.EndObject();
    key(w, "supported_versions");
    w.StartArray();
    w.Int(1);
    w.EndArray();
  });
}

Frame leave_frame(const std::string &session, const std::string &sender,
                  const std::string &reason) {
  return envelope(session, sender, "session.leave", [&](Writer &w) {
    key(w, "reason");
    put(w, reason);
  });
}

Frame pong_frame(const std::string &session, const std::string &sender, const std::string &ref) {
  Frame f = envelope(session, sender, "heartbeat.pong", [](Writer &) {});
  if (!ref.empty()) {
    // ref is an envelope field; splice it in before the payload.
    rapidjson::Document d;
    d.Parse(f.text.c_str(), f.text.size());
    d.AddMember("ref", rapidjson::Value(ref.c_str(), d.GetAllocator()), d.GetAllocator());
    rapidjson::StringBuffer buf;
    Writer w(buf);
    d.Accept(w);
    f.text.assign(buf.GetString(), buf.GetSize());
  }
  return f;
}

Frame prompt_submit_frame(const std::string &session, const std::string &sender,
                          const std::string &content, const std::string &target_agent,
                          const std::vector<std::string> &contributors) {
  return envelope(session, sender, "prompt.submit", [&](Writer &w) {
    key(w, "content");
    put(w, content);
    key(w, "target_agent");
    put(w, target_agent);
    key(w, "contributors");
    str_array(w, contributors);
    key(w, "context_keys");
    w.StartArray();
    w.EndArray();
  });
}

Frame prompt_draft_frame(const std::string &session, const std::string &sender,
                         const std::string &content, const std::string &target_agent,
                         const std::vector<std::string> &contributors) {
  return envelope(session, sender, "prompt.draft", [&](Writer &w) {
    key(w, "content");
    put(w, content);
    key(w, "contributors");
    str_array(w, contributors);
    if (!target_agent.empty()) {
      key(w, "target_agent");
      put(w, target_agent);
    }
  });
}

Frame gate_approve_frame(const std::string &session, const std::string &sender,
                         const std::string &gate, const std::string &comment,
                         const std::string &digest) {
  return envelope(session, sender, "gate.approve", [&](Writer &w) {
    key(w, "gate");
    put(w, gate);
    key(w, "approver");
    put(w, sender);
    if (!comment.empty()) {
      key(w, "comment");
      put(w, comment);
    }
    if (!digest.empty()) {
      key(w, "digest");
      put(w, digest);
    }
  });
}

Frame gate_reject_frame(const std::string &session, const std::string &sender,
                        const std::string &gate, const std::string &reason) {
  return envelope(session, sender, "gate.reject", [&](Writer &w) {
    key(w, "gate");
    put(w, gate);
    key(w, "rejector");
    put(w, sender);
    key(w, "reason");
    put(w, reason);
  });
}

Frame interrupt_frame(const std::string &session, const std::string &sender,
                      const std::string &urgency, const std::string &message,
                      const std::string &target) {
  return envelope(session, sender, "interrupt.raise", [&](Writer &w) {
    key(w, "urgency");
    put(w, urgency);
    key(w, "message");
    put(w, message);
    if (!target.empty()) {
      key(w, "target");
      put(w, target);
    }
  });
}

Frame interrupt_ack_frame(const std::string &session, const std::string &sender,
                          const std::string &interrupt, const std::string &action_taken) {
  return envelope(session, sender, "interrupt.acknowledge", [&](Writer &w) {
    key(w, "interrupt");
    put(w, interrupt);
    key(w, "by");
    put(w, sender);
    key(w, "action_taken");
    put(w, action_taken);
  });
}

std::optional<Frame> custom_frame(const std::string &session, const std::string &sender,
                                  const std::string &type, const std::string &payload_json,
                                  std::string *error) {
  rapidjson::Document payload;
  payload.Parse(payload_json.c_str(), payload_json.size());
  if (payload.HasParseError()) {
    if (error != nullptr) {
      *error = std::string("payload is not valid JSON: ") +
               rapidjson::GetParseError_En(payload.GetParseError()) + " at offset " +
               std::to_string(payload.GetErrorOffset());
    }
    return std::nullopt;
  }
  if (!payload.IsObject()) {
    if (error != nullptr) {
      *error = "payload must be a JSON object";
    }
    return std::nullopt;
  }
  rapidjson::Document d(rapidjson::kObjectType);
  auto &a = d.GetAllocator();
  Frame f;
  f.id = new_id();
  d.AddMember("v", 1, a);
  d.AddMember("id", rapidjson::Value(f.id.c_str(), a), a);
  d.AddMember("type", rapidjson::Value(type.c_str(), a), a);
  d.AddMember("session", rapidjson::Value(session.c_str(), a), a);
  d.AddMember("sender", rapidjson::Value(sender.c_str(), a), a);
  rapidjson::Value p;
  p.CopyFrom(payload, a);
  d.AddMember("payload", p, a);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  d.Accept(w);
  f.text.assign(buf.GetString(), buf.GetSize());
  return f;
}

}  // namespace pvpd::client
