// Replay duplicate detection (see frame_dedup.h).
#include "pvpclient/frame_dedup.h"

namespace pvpd::client {

bool FrameDedup::first_time(uint64_t seq, const std::string &id, const std::string &type) {
  if (type == "gate.request") {
    return true;
  }
  if (seq != 0) {
    if (seq <= cursor_) {
      return false;
    }
    cursor_ = seq;
    return true;
  }
  if (id.empty()) {
    return true;
  }
  if (!ids_.insert(id).second) {
    return false;
  }
  order_.push_back(id);
  if (order_.size() > kMaxIds) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

}  // namespace pvpd::client
