// SubscriberTable: which connections receive each session's messages, grouped by endpoint.
//
// Grouping by endpoint lets the bus make one deliver() call per transport per message with
// the whole batch of connection ids. The member list of a session is copy-on-write: join and
// leave (rare) copy and swap, while routing (hot) takes a snapshot pointer and iterates
// without copying. The snapshot also keeps iteration safe when a deliver() callback causes a
// leave on the same session.
//
// THREAD: core thread only.
#pragma once

#include <pvpd/plugin_abi.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bus/endpoint.h"

namespace pvpd::bus {

struct EndpointGroup {
  Endpoint *endpoint = nullptr;
  std::vector<pvpd_conn_id> conns;
};
using Members = std::vector<EndpointGroup>;
using MembersSnapshot = std::shared_ptr<const Members>;

class SubscriberTable {
 public:
  // Returns false if the connection was already a member.
  bool add(std::string_view session, Endpoint *endpoint, pvpd_conn_id conn);
  // Returns false if it was not a member. Drops the session entry when it becomes empty.
  bool remove(std::string_view session, pvpd_conn_id conn);
  // Never null; empty for an unknown session.
  MembersSnapshot snapshot(std::string_view session) const;
  size_t member_count(std::string_view session) const;
  size_t session_count() const { return sessions_.size(); }

 private:
  std::unordered_map<std::string, MembersSnapshot> sessions_;
};

}  // namespace pvpd::bus
