// Outbound queue bookkeeping (see connection.h).
#include "connection.h"

#include <algorithm>

namespace pvpd::websocket {

OutboundQueue::Push OutboundQueue::push(pvpd::BufRef buf, bool droppable, bool *pressure_on) {
  *pressure_on = false;
  if (items_.size() >= limit_) {
    return droppable && drop_droppable_ ? Push::kDropped : Push::kOverflow;
  }
  items_.push_back(Item{std::move(buf), droppable});
  if (!pressured_ && items_.size() >= high_water_) {
    pressured_ = true;
    *pressure_on = true;
  }
  return Push::kQueued;
}

std::size_t OutboundQueue::drop_droppable_after(std::size_t keep) {
  const std::size_t before = items_.size();
  if (keep >= before) {
    return 0;
  }
  auto first = items_.begin() + static_cast<std::ptrdiff_t>(keep);
  items_.erase(std::remove_if(first, items_.end(), [](const Item &i) { return i.droppable; }),
               items_.end());
  return before - items_.size();
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
