#include "bus/subscriber_table.h"

#include <algorithm>

namespace pvpd::bus {
namespace {
const MembersSnapshot &empty_members() {
  static const MembersSnapshot kEmpty = std::make_shared<const Members>();
  return kEmpty;
}
}  // namespace

bool SubscriberTable::add(std::string_view session, Endpoint *endpoint, pvpd_conn_id conn) {
  auto it = sessions_.find(std::string(session));
  Members next = it == sessions_.end() ? Members() : *it->second;
  auto group = std::find_if(next.begin(), next.end(),
                            [&](const EndpointGroup &g) { return g.endpoint == endpoint; });
  if (group == next.end()) {
    next.push_back(EndpointGroup{endpoint, {conn}});
  } else {
    if (std::find(group->conns.begin(), group->conns.end(), conn) != group->conns.end()) {
      return false;
    }
    group->conns.push_back(conn);
  }
  sessions_[std::string(session)] = std::make_shared<const Members>(std::move(next));
  return true;
}

bool SubscriberTable::remove(std::string_view session, pvpd_conn_id conn) {
  auto it = sessions_.find(std::string(session));
  if (it == sessions_.end()) {
    return false;
  }
  Members next = *it->second;
  bool removed = false;
  for (auto g = next.begin(); g != next.end(); ++g) {
    auto c = std::find(g->conns.begin(), g->conns.end(), conn);
    if (c != g->conns.end()) {
      g->conns.erase(c);
      if (g->conns.empty()) {
        next.erase(g);
      }
      removed = true;
      break;
    }
  }
  if (!removed) {
    return false;
  }
  if (next.empty()) {
    sessions_.erase(it);
  } else {
    it->second = std::make_shared<const Members>(std::move(next));
  }
  return true;
}

MembersSnapshot SubscriberTable::snapshot(std::string_view session) const {
  auto it = sessions_.find(std::string(session));
  return it == sessions_.end() ? empty_members() : it->second;
}

size_t SubscriberTable::member_count(std::string_view session) const {
  size_t n = 0;
  for (const auto &g : *snapshot(session)) {
    n += g.conns.size();
  }
  return n;
}

}  // namespace pvpd::bus
