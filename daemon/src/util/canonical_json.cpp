#include "util/canonical_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace pvpd {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_sorted(const rapidjson::Value &v, Writer &w) {
  if (v.IsObject()) {
    // Sort pointers to the members, not the members: the input is const and may be large.
    std::vector<const rapidjson::Value::Member *> members;
    members.reserve(v.MemberCount());
    for (const auto &m : v.GetObject()) {
      members.push_back(&m);
    }
    std::stable_sort(members.begin(), members.end(), [](const auto *a, const auto *b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
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

}  // namespace

std::string canonical_json(const rapidjson::Value &value) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_sorted(value, w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd
