// JSON rendering of the counters.
#include "counters.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::t140 {

std::string counters_json(const Counters &c) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
#define PVPD_T140_WRITE(name) \
  w.Key(#name);               \
  w.Uint64(Counters::get(c.name));
  PVPD_T140_COUNTERS(PVPD_T140_WRITE)
#undef PVPD_T140_WRITE
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace pvpd::t140
