// Outbound queue bookkeeping (see connection.h).
#include "connection.h"

namespace pvpd::websocket {

OutboundQueue::Push OutboundQueue::push(pvpd::BufRef buf, bool droppable, bool *pressure_on) {
  *pressure_on = false;
  if (items_.size() >= limit_) {
    return droppable && drop_droppable_ ? Push::kDropped : Push::kOverflow;
  }
  items_.push_back(std::move(buf));
  if (!pressured_ && items_.size() >= high_water_) {
    pressured_ = true;
    *pressure_on = true;
  }
  return Push::kQueued;
}

void OutboundQueue::pop(bool *pressure_off) {
  *pressure_off = false;
  if (items_.empty()) {
    return;
  }
  items_.pop_front();
  if (pressured_ && items_.size() <= high_water_ / 2) {
    pressured_ = false;
    *pressure_off = true;
  }
}

}  // namespace pvpd::websocket
