#include "bus/bus.h"

#include <algorithm>

namespace pvpd::bus {

bool Bus::join(const std::string &session, pvpd_conn_id conn) {
  Connection *c = connections_.find(conn);
  if (c == nullptr || !table_.add(session, c->endpoint, conn)) {
    return false;
  }
  c->sessions.insert(session);
  return true;
}

bool Bus::leave(const std::string &session, pvpd_conn_id conn) {
  Connection *c = connections_.find(conn);
  if (c != nullptr) {
    c->sessions.erase(session);
  }
  return table_.remove(session, conn);
}

void Bus::drop_connection(pvpd_conn_id conn) {
  Connection *c = connections_.find(conn);
  if (c == nullptr) {
    return;
  }
  for (const auto &session : c->sessions) {
    table_.remove(session, conn);
  }
  c->sessions.clear();
}

bool Bus::should_skip(const Connection &conn, const RoutedMessage &msg) {
  if (conn.under_pressure && (msg.flags & PVPD_MSG_DROPPABLE) != 0) {
    ++counters_.dropped_droppable;
    return true;
  }
  return false;
}

void Bus::broadcast(const RoutedMessage &msg, const ConnFilter &filter) {
  ++counters_.messages;
  MembersSnapshot members = table_.snapshot(msg.session);
  pvpd_msg_view view = msg.view();
  for (const EndpointGroup &group : *members) {
    // A fresh batch per group: deliver() may re-enter broadcast() for another message.
    std::vector<pvpd_conn_id> batch;
    batch.reserve(group.conns.size());
    for (pvpd_conn_id id : group.conns) {
      const Connection *c = connections_.find(id);
      if (c == nullptr || should_skip(*c, msg) || (filter && !filter(*c))) {
        continue;
      }
      batch.push_back(id);
    }
    if (!batch.empty()) {
      counters_.deliveries += batch.size();
      group.endpoint->deliver(batch.data(), batch.size(), view);
    }
  }
  notify_subscriptions(msg);
}

void Bus::send(pvpd_conn_id conn, const RoutedMessage &msg) {
  ++counters_.messages;
  const Connection *c = connections_.find(conn);
  if (c == nullptr || should_skip(*c, msg)) {
    return;
  }
  pvpd_msg_view view = msg.view();
  ++counters_.deliveries;
  c->endpoint->deliver(&conn, 1, view);
}

void Bus::notify_subscriptions(const RoutedMessage &msg) {
  std::shared_ptr<const Subscriptions> subs = subs_;
  if (subs->empty()) {
    return;
  }
  pvpd_msg_view view = msg.view();
  for (const Subscription &s : *subs) {
    if (!s.session.empty() && s.session != msg.session) {
      continue;
    }
    if (!s.type_prefix.empty() && msg.type.compare(0, s.type_prefix.size(), s.type_prefix) != 0) {
      continue;
    }
    // A callback earlier in this loop may have unsubscribed this one; honour that.
    const auto &live = *subs_;
    bool still_there =
        std::any_of(live.begin(), live.end(), [&](const Subscription &l) { return l.id == s.id; });
    if (!still_there) {
      continue;
    }
    ++counters_.subscription_calls;
    s.fn(s.user, &view);
  }
}

pvpd_sub_id Bus::subscribe(OwnerTag owner, std::string session, std::string type_prefix,
                           pvpd_msg_fn fn, void *user) {
  auto next = std::make_shared<Subscriptions>(*subs_);
  pvpd_sub_id id = next_sub_id_++;
  next->push_back(Subscription{id, owner, std::move(session), std::move(type_prefix), fn, user});
  subs_ = std::move(next);
  return id;
}

bool Bus::unsubscribe(OwnerTag owner, pvpd_sub_id id) {
  auto next = std::make_shared<Subscriptions>(*subs_);
  auto it = std::find_if(next->begin(), next->end(),
                         [&](const Subscription &s) { return s.id == id && s.owner == owner; });
  if (it == next->end()) {
    return false;
  }
  next->erase(it);
  subs_ = std::move(next);
  return true;
}

void Bus::remove_subscriptions_of(OwnerTag owner) {
  auto next = std::make_shared<Subscriptions>(*subs_);
  next->erase(std::remove_if(next->begin(), next->end(),
                             [&](const Subscription &s) { return s.owner == owner; }),
              next->end());
  subs_ = std::move(next);
}

}  // namespace pvpd::bus
