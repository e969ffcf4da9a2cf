// Bus: fan-out of routed messages to connections and plugin subscriptions.
//
// The router decides *whether* and *to whom* a message goes (sessions, visibility); the bus
// does the delivery: one deliver() per endpoint per message with the batch of connection ids,
// skipping droppable deltas for connections whose transport reported pressure, and then every
// plugin subscription whose filter matches. Per session, each connection sees messages in the
// order the router hands them over, which is increasing `seq`.
//
// THREAD: core thread only. Subscription callbacks and deliver() run synchronously inside
// broadcast()/send(); they may re-enter the bus (join, leave, unsubscribe) safely because
// iteration works on copy-on-write snapshots.
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/connection_table.h"
#include "bus/routed_message.h"
#include "bus/subscriber_table.h"

namespace pvpd::bus {

struct BusCounters {
  uint64_t messages = 0;            // messages handed to broadcast/send
  uint64_t deliveries = 0;          // (message, connection) pairs delivered
  uint64_t dropped_droppable = 0;   // deltas skipped for pressured connections
  uint64_t subscription_calls = 0;  // plugin subscription callbacks made
};

class Bus {
 public:
  using ConnFilter = std::function<bool(const Connection &)>;
  // Owner tag for plugin subscriptions (the plugin instance); compared, never dereferenced.
  using OwnerTag = const void *;

  explicit Bus(ConnectionTable &connections) : connections_(connections) {}

  // Session membership. Both return false when nothing changed.
  bool join(const std::string &session, pvpd_conn_id conn);
  bool leave(const std::string &session, pvpd_conn_id conn);
  // Removes a connection from every session it is in (the connection must still be in the
  // table).
  void drop_connection(pvpd_conn_id conn);
  size_t member_count(const std::string &session) const { return table_.member_count(session); }
  size_t session_count() const { return table_.session_count(); }

  // Delivers to every member of msg.session that passes `filter` (all if null), then to the
  // matching plugin subscriptions.
  void broadcast(const RoutedMessage &msg, const ConnFilter &filter = nullptr);
  // Delivers to one connection only (replies, errors, join sequences). Subscriptions are not
  // told: unicast frames are not part of the session's shared stream.
  void send(pvpd_conn_id conn, const RoutedMessage &msg);

  pvpd_sub_id subscribe(OwnerTag owner, std::string session, std::string type_prefix,
                        pvpd_msg_fn fn, void *user);
  bool unsubscribe(OwnerTag owner, pvpd_sub_id id);
  void remove_subscriptions_of(OwnerTag owner);

  const BusCounters &counters() const { return counters_; }

 private:
  struct Subscription {
    pvpd_sub_id id;
    OwnerTag owner;
    std::string session;
    std::string type_prefix;
    pvpd_msg_fn fn;
    void *user;
  };
  using Subscriptions = std::vector<Subscription>;

  void notify_subscriptions(const RoutedMessage &msg);
  bool should_skip(const Connection &conn, const RoutedMessage &msg);

  ConnectionTable &connections_;
  SubscriberTable table_;
  std::shared_ptr<const Subscriptions> subs_ = std::make_shared<const Subscriptions>();
  pvpd_sub_id next_sub_id_ = 1;
  BusCounters counters_;
};

}  // namespace pvpd::bus
