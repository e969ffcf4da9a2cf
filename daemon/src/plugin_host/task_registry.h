// TaskRegistry: exactly-once completion for work a plugin handed to the host.
//
// The ABI promises that every accepted task (post, timer, run_blocking's done) is invoked
// exactly once: with PVPD_OK when it runs, or with PVPD_E_CANCELED when its instance stops
// first, so the plugin can always release `user`. Tasks are registered when accepted; whoever
// finishes a task first (the normal run, or cancel_all at teardown) calls the plugin, and the
// other finds it already finished.
//
// THREAD: add() from any thread; finish() and cancel_all() from the core thread (they call
// into the plugin). Internally guarded by a mutex that is never held while calling out.
#pragma once

#include <pvpd/plugin_abi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace pvpd::plugin_host {

struct TrackedTask {
  pvpd_task_fn fn = nullptr;
  void *user = nullptr;
  std::atomic<bool> finished{false};
};
using TrackedTaskPtr = std::shared_ptr<TrackedTask>;

class TaskRegistry {
 public:
  TrackedTaskPtr add(pvpd_task_fn fn, void *user);
  // Calls fn(user, status) unless the task already finished. Returns true if it called.
  bool finish(const TrackedTaskPtr &task, pvpd_status status);
  // Finishes every pending task with PVPD_E_CANCELED.
  void cancel_all();
  size_t pending() const;

 private:
  mutable std::mutex mu_;
  std::unordered_set<TrackedTaskPtr> pending_;
};

}  // namespace pvpd::plugin_host
