#include "bus/routed_message.h"

namespace pvpd::bus {
namespace {
pvpd_str str_of(const std::string &s) {
  return pvpd_str{s.data(), s.size()};
}
}  // namespace

RoutedMessage RoutedMessage::from(const Envelope &env, uint64_t seq, uint32_t flags) {
  RoutedMessage m;
  m.buffer = env.encode();
  m.type = std::string(env.type());
  m.session = std::string(env.session());
  m.sender = std::string(env.sender());
  m.id = std::string(env.id());
  m.seq = seq;
  m.flags = flags;
  return m;
}

pvpd_msg_view RoutedMessage::view() const {
  pvpd_msg_view v{};
  v.struct_size = sizeof(pvpd_msg_view);
  v.flags = flags;
  v.seq = seq;
  v.type = str_of(type);
  v.session = str_of(session);
  v.sender = str_of(sender);
  v.id = str_of(id);
  v.envelope = buffer.get();
  return v;
}

bool is_droppable_type(std::string_view type) {
  return type == "thinking.chunk" || type == "response.chunk" || type == "tool.output";
}

}  // namespace pvpd::bus
