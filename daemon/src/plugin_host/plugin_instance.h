// PluginInstance: one configured instance of a plugin (`plugins: [{use, id, config}]`).
//
// It owns the instance's lifecycle (create -> start -> [reload] -> stop -> destroy), the
// host context handed to the plugin, and everything the plugin registered with the host
// (posted tasks, timers, blocking work, subscriptions), so all of it can be cancelled exactly
// once when the instance stops (plugin_abi.h, "Scheduling"). It is also the bus Endpoint for
// the connections the plugin opened: deliveries reach the plugin's deliver hook through it.
//
// Every call into the plugin is wrapped: timed by the stall detector, and guarded against
// exceptions escaping a plugin that does not use the C++ wrapper.
//
// THREAD: lifecycle methods and Endpoint methods run on the core thread. The host-API entry
// points (host_api.cpp) may run on any thread and only touch atomics, the task registry and
// asio::post.
// LIFETIME: held by shared_ptr; core tasks posted on the instance's behalf keep it alive, so
// a late task finds a stopped instance instead of freed memory. The PluginLibrary stays mapped
// while any instance holds it.
#pragma once

#include <pvpd/plugin_abi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/endpoint.h"
#include "plugin_host/core_services.h"
#include "plugin_host/stall_timer.h"
#include "plugin_host/task_registry.h"
#include "util/status.h"

namespace pvpd::plugin_host {
class PluginInstance;
class PluginLibrary;
}  // namespace pvpd::plugin_host

// The ABI's opaque per-instance context.
struct pvpd_host_ctx {
  pvpd::plugin_host::PluginInstance *instance;
};

namespace pvpd::plugin_host {

enum class InstanceState : int { kNew, kCreated, kRunning, kStopping, kStopped, kDestroyed };

class PluginInstance : public bus::Endpoint, public std::enable_shared_from_this<PluginInstance> {
 public:
  PluginInstance(CoreServices &core, std::shared_ptr<PluginLibrary> library, std::string id,
                 std::string state_dir);
  ~PluginInstance() override;
  PluginInstance(const PluginInstance &) = delete;
  PluginInstance &operator=(const PluginInstance &) = delete;

  // Lifecycle, core thread. create() also makes the state directory.
  Status create(const std::string &config_json);
  Status start();
  // Returns PVPD_E_UNSUPPORTED (as the status code) when the plugin cannot reload in place and
  // the caller must recreate the instance.
  Status reload(const std::string &config_json);
  // Calls the plugin's stop, then cancels everything it registered and drops its connections.
  // Idempotent.
  void stop();
  void destroy();

  // Endpoint.
  void deliver(const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) override;
  void close_conn(pvpd_conn_id conn, int32_t reason) override;
  void flow(pvpd_conn_id conn, uint32_t allow_reads) override;
  std::string_view endpoint_name() const override { return display_name_; }

  // Status JSON from the plugin, or empty.
  std::string status_json();

  const std::string &id() const { return id_; }
  std::string_view plugin_name() const;
  const std::string &config_json() const { return config_json_; }
  const std::string &state_dir() const { return state_dir_; }
  const pvpd_plugin_descriptor_v1 &descriptor() const;
  InstanceState state() const { return state_.load(std::memory_order_acquire); }
  // True while the plugin may use the host (created, running, or inside stop()).
  bool accepting_calls() const;
  uint64_t stalls() const { return stall_.stalls(); }

  // --- used by the host API table (host_api.cpp) ---
  pvpd_host_ctx *ctx() { return &ctx_; }
  CoreServices &core() { return core_; }
  pvpd_status post_task(pvpd_task_fn fn, void *user);
  pvpd_status start_timer(uint64_t delay_ms, uint64_t period_ms, pvpd_task_fn fn, void *user,
                          pvpd_timer_id *out);
  pvpd_status cancel_timer(pvpd_timer_id id);
  pvpd_status run_blocking(pvpd_task_fn work, pvpd_task_fn done, void *user);
  void log(int32_t level, std::string_view message) const;

 private:
  struct Timer;
  void arm_timer(pvpd_timer_id id, uint64_t delay_ms);
  void on_timer(pvpd_timer_id id);
  void finish_timer(pvpd_timer_id id);
  void cancel_everything();
  void wait_for_blocking_work();

  CoreServices &core_;
  std::shared_ptr<PluginLibrary> library_;
  const pvpd_plugin_descriptor_v1 *desc_;
  const pvpd_plugin_vtable_v1 *vtable_;
  std::string id_;
  std::string display_name_;
  std::string state_dir_;
  std::string config_json_;
  pvpd_host_ctx ctx_;
  void *self_ = nullptr;
  std::atomic<InstanceState> state_{InstanceState::kNew};
  StallTimer stall_;

  TaskRegistry tasks_;    // posts and run_blocking "done" callbacks
  std::mutex timers_mu_;  // timers may be started and cancelled from any thread
  std::unordered_map<pvpd_timer_id, std::unique_ptr<Timer>> timers_;
  std::atomic<uint64_t> next_timer_id_{1};

  std::mutex blocking_mu_;
  std::condition_variable blocking_cv_;
  int blocking_running_ = 0;
};

using PluginInstancePtr = std::shared_ptr<PluginInstance>;

}  // namespace pvpd::plugin_host
