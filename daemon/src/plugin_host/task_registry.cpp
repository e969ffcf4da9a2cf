#include "plugin_host/task_registry.h"

#include <vector>

namespace pvpd::plugin_host {

TrackedTaskPtr TaskRegistry::add(pvpd_task_fn fn, void *user) {
  auto task = std::make_shared<TrackedTask>();
  task->fn = fn;
  task->user = user;
  std::lock_guard<std::mutex> lock(mu_);
  pending_.insert(task);
  return task;
}

bool TaskRegistry::finish(const TrackedTaskPtr &task, pvpd_status status) {
  if (task->finished.exchange(true)) {
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(task);
  }
  task->fn(task->user, status);
  return true;
}

void TaskRegistry::cancel_all() {
  std::vector<TrackedTaskPtr> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.assign(pending_.begin(), pending_.end());
  }
  for (const auto &t : tasks) {
    finish(t, PVPD_E_CANCELED);
  }
}

size_t TaskRegistry::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace pvpd::plugin_host
