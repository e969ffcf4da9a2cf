// Router: what merge.execute does to the target line's context (docs/protocol.md "Forks and
// merges").
//
// Every context key changed on the source line since the fork was created is brought to the
// target line by a recorded system frame (context.add when the key is new, context.update
// otherwise) on that line, so its participants, late joiners and the journal see the merged
// result. A key changed on both lines (a conflict) is decided by the proposal's strategy:
//   replace    the source's content;
//   append     the target's content, a newline, the source's content;
//   interleave the two contents' lines alternately (target first), each distinct line once;
//   manual     per resolved_conflicts entry: use_source, use_target (nothing changes) or custom
//              (custom_value); every conflict must be resolved.
#include <set>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

struct LineState {
  bool changed = false;
  bool removed = false;
  std::string content;
};

std::string text_of(const rapidjson::Value &v) {
  if (v.IsString()) {
    return std::string(v.GetString(), v.GetStringLength());
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

std::string interleave(const std::string &target, const std::string &source) {
  const auto t = lines_of(target);
  const auto s = lines_of(source);
  std::set<std::string> seen;
  std::string out;
  for (size_t i = 0; i < std::max(t.size(), s.size()); ++i) {
    for (const auto *side : {&t, &s}) {
      if (i < side->size() && seen.insert((*side)[i]).second) {
        out += (out.empty() ? "" : "\n") + (*side)[i];
      }
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Router::apply_merge(Session &s, const MergeProposal &merge,
                                               const std::string &merge_id,
                                               const rapidjson::Value &payload, bool dry_run) {
  const uint64_t since = merge.source_fork.empty() ? 0
                         : s.forks.count(merge.source_fork) != 0
                             ? s.forks.at(merge.source_fork).created_seq
                             : 0;
  // The latest state of every key on each line since the fork.
  std::map<std::string, std::pair<LineState, LineState>> keys;  // key -> {source, target}
  std::map<std::string, bool> on_target_line;  // key -> the target line holds it now
  for (const auto &h : s.history) {
    if (h.msg.type.rfind("context.", 0) != 0) {
      continue;
    }
    const bool on_source = h.audience.fork == merge.source_fork;
    const bool on_target = h.audience.fork == merge.target_fork;
    if (!on_source && !on_target) {
      continue;
    }
    rapidjson::Document d;
    d.Parse(h.msg.buffer.view().data(), h.msg.buffer.view().size());
    if (!d.IsObject() || !d.HasMember("payload") || !d["payload"].IsObject()) {
      continue;
    }
    const rapidjson::Value &pl = d["payload"];
    if (on_target) {
      on_target_line[json_string(pl, "key")] = h.msg.type != "context.remove";
    }
    if (h.msg.seq <= since) {
      continue;
    }
    LineState &st =
        on_source ? keys[json_string(pl, "key")].first : keys[json_string(pl, "key")].second;
    st.changed = true;
    st.removed = h.msg.type == "context.remove";
    for (const char *field : {"content", "new_content"}) {
      if (auto c = pl.FindMember(field); c != pl.MemberEnd()) {
        st.content = text_of(c->value);
      }
    }
  }
  std::map<std::string, std::pair<std::string, const rapidjson::Value *>> resolved;
  if (auto rc = payload.FindMember("resolved_conflicts");
      rc != payload.MemberEnd() && rc->value.IsArray()) {
    for (const auto &r : rc->value.GetArray()) {
      auto custom = r.FindMember("custom_value");
      resolved[json_string(r, "conflict_id")] = {
          json_string(r, "resolution"), custom != r.MemberEnd() ? &custom->value : nullptr};
    }
  }
  struct Change {
    std::string key;
    std::string content;
    bool remove = false;
  };
  std::vector<Change> changes;
  for (const auto &[key, sides] : keys) {
    const LineState &src = sides.first;
    const LineState &dst = sides.second;
    if (!src.changed || key.empty()) {
      continue;
    }
    Change c{key, src.content, src.removed};
    if (dst.changed) {  // a conflict
      if (merge.strategy == "append") {
        c.content = dst.content + "\n" + src.content;
      } else if (merge.strategy == "interleave") {
        c.content = interleave(dst.content, src.content);
      } else if (merge.strategy == "manual") {
        auto r = resolved.find(key);
        if (r == resolved.end()) {
          return "conflict '" + key + "' has no entry in payload.resolved_conflicts";
        }
        if (r->second.first == "use_target") {
          continue;
        }
        if (r->second.first == "custom") {
          if (r->second.second == nullptr) {
            return "conflict '" + key + "' is resolved as custom without custom_value";
          }
          c.content = text_of(*r->second.second);
          c.remove = false;
        }
      }
      // replace (and use_source): the source's state as it is.
    }
    changes.push_back(std::move(c));
  }
  if (dry_run) {
    return std::nullopt;
  }
  for (const Change &c : changes) {
    // Updated when the target line has the key, else added there (a key only the source
    // created, or one the target removed).
    const bool exists = on_target_line[c.key];
    if (c.remove && !exists) {
      continue;
    }
    const char *type = c.remove ? "context.remove" : exists ? "context.update" : "context.add";
    bus::Envelope e = server_frame(type, s, "system");
    auto &a = e.allocator();
    rapidjson::Value &pl = e.payload();
    pl.AddMember("key", bus::make_json_string(c.key, a), a);
    const std::string reason = "merge " + merge_id + " (" + merge.strategy + ")";
    if (!c.remove && exists) {
      pl.AddMember("new_content", bus::make_json_string(c.content, a), a);
    } else if (!c.remove) {
      pl.AddMember("content_type", "text", a);
      pl.AddMember("content", bus::make_json_string(c.content, a), a);
      pl.AddMember("source", bus::make_json_string(reason, a), a);
    }
    if (exists) {
      pl.AddMember("reason", bus::make_json_string(reason, a), a);
    }
    if (!merge.target_fork.empty()) {
      e.set_string("fork", merge.target_fork);
    }
    std::vector<std::string> visible_to;
    if (auto it = s.context.find(c.key); it != s.context.end()) {
      visible_to = it->second.visible_to;
    }
    auto msg = record_and_route(s, e, Audience{visible_to, false, merge.target_fork});
    if (c.remove) {
      s.context.erase(c.key);
    } else {
      ContextItem &item = s.context[c.key];
      item.visible_to = visible_to;
      item.fork = merge.target_fork;
      item.last_message_id = msg.id;
      item.changed_seq = msg.seq;
    }
  }
  return std::nullopt;
}

}  // namespace pvpd::session
