#include "bus/connection_table.h"

#include <utility>

namespace pvpd::bus {

Connection &ConnectionTable::add(Connection conn) {
  pvpd_conn_id id = conn.id;
  return conns_.insert_or_assign(id, std::move(conn)).first->second;
}

Connection *ConnectionTable::find(pvpd_conn_id id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : &it->second;
}

bool ConnectionTable::remove(pvpd_conn_id id) {
  return conns_.erase(id) > 0;
}

}  // namespace pvpd::bus
