#include "plugin_host/plugin_instance.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "bus/bus.h"
#include "plugin_host/host_api.h"
#include "plugin_host/plugin_library.h"
#include "util/logging.h"

namespace pvpd::plugin_host {
namespace {

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case PVPD_LOG_TRACE: return spdlog::level::trace;
    case PVPD_LOG_DEBUG: return spdlog::level::debug;
    case PVPD_LOG_INFO: return spdlog::level::info;
    case PVPD_LOG_WARN: return spdlog::level::warn;
    case PVPD_LOG_ERROR: return spdlog::level::err;
    default: return level > PVPD_LOG_ERROR ? spdlog::level::critical : spdlog::level::info;
  }
}

pvpd_str str_of(const std::string &s) {
  return pvpd_str{s.data(), s.size()};
}

}  // namespace

struct PluginInstance::Timer {
  std::unique_ptr<asio::steady_timer> timer;  // created on the core thread when armed
  pvpd_task_fn fn;
  void *user;
  uint64_t period_ms;
  Timer(pvpd_task_fn f, void *u, uint64_t period) : fn(f), user(u), period_ms(period) {}
};

PluginInstance::PluginInstance(CoreServices &core, std::shared_ptr<PluginLibrary> library,
                               std::string id, std::string state_dir)
    : core_(core),
      library_(std::move(library)),
      desc_(&library_->descriptor()),
      vtable_(desc_->vtable),
      id_(std::move(id)),
      display_name_(std::string(library_->name()) + "/" + id_),
      state_dir_(std::move(state_dir)),
      ctx_{this},
      stall_(core.stall_threshold(), [this](std::string_view hook, std::chrono::microseconds took) {
        log(PVPD_LOG_WARN, fmt::format("hook {} blocked the core thread for {} ms", hook,
                                       static_cast<double>(took.count()) / 1000.0));
      }) {}

PluginInstance::~PluginInstance() {
  // Destruction without stop/destroy would leak the plugin's instance; the application always
  // tears down in order, so reaching here with a live instance is a bug worth a log line.
  if (self_ != nullptr) {
    log(PVPD_LOG_ERROR, "instance released without destroy");
  }
}

std::string_view PluginInstance::plugin_name() const {
  return library_->name();
}
const pvpd_plugin_descriptor_v1 &PluginInstance::descriptor() const {
  return *desc_;
}

bool PluginInstance::accepting_calls() const {
  InstanceState s = state();
  return s == InstanceState::kCreated || s == InstanceState::kRunning ||
         s == InstanceState::kStopping;
}

void PluginInstance::log(int32_t level, std::string_view message) const {
  logging::Fields fields;
  fields.plugin = library_->name();
  fields.instance = id_;
  logging::log(to_spdlog(level), fields, message);
}

Status PluginInstance::create(const std::string &config_json) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
  if (ec) {
    return Status(PVPD_E_IO, "cannot create state directory " + state_dir_ + ": " + ec.message());
  }
  ::chmod(state_dir_.c_str(), 0700);
  config_json_ = config_json;
  state_.store(InstanceState::kCreated, std::memory_order_release);
  pvpd_status rc = PVPD_E_INTERNAL;
  void *self = nullptr;
  try {
    auto scope = stall_.scope("create");
    rc = vtable_->create(&ctx_, &host_api_table(), str_of(config_json_), &self);
  } catch (const std::exception &e) {
    // A plugin without the C++ wrapper let an exception cross the C boundary; contain it.
    log(PVPD_LOG_ERROR, std::string("create threw: ") + e.what());
    rc = PVPD_E_INTERNAL;
  } catch (...) {
    log(PVPD_LOG_ERROR, "create threw an unknown exception");
    rc = PVPD_E_INTERNAL;
  }
  if (rc != PVPD_OK) {
    state_.store(InstanceState::kDestroyed, std::memory_order_release);
    cancel_everything();
    return Status(
        rc, "plugin " + display_name_ + " failed to create (" + std::string(status_name(rc)) + ")");
  }
  self_ = self;
  return Status::ok();
}

Status PluginInstance::start() {
  if (state() != InstanceState::kCreated) {
    return Status(PVPD_E_STATE, "instance " + display_name_ + " is not in the created state");
  }
  state_.store(InstanceState::kRunning, std::memory_order_release);
  pvpd_status rc = PVPD_E_INTERNAL;
  try {
    auto scope = stall_.scope("start");
    rc = vtable_->start(self_);
  } catch (...) {
    log(PVPD_LOG_ERROR, "start threw an exception");
  }
  if (rc != PVPD_OK) {
    return Status(
        rc, "plugin " + display_name_ + " failed to start (" + std::string(status_name(rc)) + ")");
  }
  return Status::ok();
}

Status PluginInstance::reload(const std::string &config_json) {
  if (vtable_->reload == nullptr || state() != InstanceState::kRunning) {
    return Status(PVPD_E_UNSUPPORTED, "reload not supported");
  }
  pvpd_status rc = PVPD_E_INTERNAL;
  try {
    auto scope = stall_.scope("reload");
    rc = vtable_->reload(self_, str_of(config_json));
  } catch (...) {
    log(PVPD_LOG_ERROR, "reload threw an exception");
  }
  if (rc == PVPD_OK) {
    config_json_ = config_json;
    return Status::ok();
  }
  return Status(rc, std::string("reload failed (") + status_name(rc) + ")");
}

void PluginInstance::stop() {
  InstanceState s = state();
  if (s != InstanceState::kRunning && s != InstanceState::kCreated) {
    return;
  }
  state_.store(InstanceState::kStopping, std::memory_order_release);
  try {
    auto scope = stall_.scope("stop");
    vtable_->stop(self_);
  } catch (...) {
    log(PVPD_LOG_ERROR, "stop threw an exception");
  }
  state_.store(InstanceState::kStopped, std::memory_order_release);
  cancel_everything();
}

void PluginInstance::destroy() {
  stop();
  if (self_ != nullptr) {
    try {
      auto scope = stall_.scope("destroy");
      vtable_->destroy(self_);
    } catch (...) {
      log(PVPD_LOG_ERROR, "destroy threw an exception");
    }
    self_ = nullptr;
  }
  state_.store(InstanceState::kDestroyed, std::memory_order_release);
}

void PluginInstance::cancel_everything() {
  core_.bus().remove_subscriptions_of(this);
  core_.drop_connections_of(*this);
  // Timers: every one not yet finished gets its single CANCELED call.
  std::vector<pvpd_timer_id> ids;
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    for (const auto &entry : timers_) {
      ids.push_back(entry.first);
    }
  }
  for (pvpd_timer_id id : ids) {
    finish_timer(id);
  }
  wait_for_blocking_work();
  tasks_.cancel_all();
}

void PluginInstance::wait_for_blocking_work() {
  // Work already running on the pool belongs to the plugin; it must finish before destroy
  // frees what it uses. Bounded, so a wedged plugin cannot hang shutdown forever.
  std::unique_lock<std::mutex> lock(blocking_mu_);
  if (!blocking_cv_.wait_for(lock, std::chrono::seconds(30),
                             [this] { return blocking_running_ == 0; })) {
    log(PVPD_LOG_ERROR, "blocking work still running 30 s after stop; continuing shutdown");
  }
}

void PluginInstance::deliver(const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) {
  if (state() != InstanceState::kRunning || vtable_->deliver == nullptr) {
    return;
  }
  try {
    auto scope = stall_.scope("deliver");
    vtable_->deliver(self_, conns, n, &msg);
  } catch (...) {
    log(PVPD_LOG_ERROR, "deliver threw an exception");
  }
}

void PluginInstance::close_conn(pvpd_conn_id conn, int32_t reason) {
  if (state() != InstanceState::kRunning || vtable_->close_conn == nullptr) {
    return;
  }
  try {
    auto scope = stall_.scope("close_conn");
    vtable_->close_conn(self_, conn, reason);
  } catch (...) {
    log(PVPD_LOG_ERROR, "close_conn threw an exception");
  }
}

void PluginInstance::flow(pvpd_conn_id conn, uint32_t allow_reads) {
  if (state() != InstanceState::kRunning || vtable_->flow == nullptr) {
    return;
  }
  try {
    auto scope = stall_.scope("flow");
    vtable_->flow(self_, conn, allow_reads);
  } catch (...) {
    log(PVPD_LOG_ERROR, "flow threw an exception");
  }
}

std::string PluginInstance::status_json() {
  if (state() != InstanceState::kRunning || vtable_->status_json == nullptr) {
    return {};
  }
  pvpd_buf *out = nullptr;
  pvpd_status rc = PVPD_E_INTERNAL;
  try {
    auto scope = stall_.scope("status_json");
    rc = vtable_->status_json(self_, &out);
  } catch (...) {
    log(PVPD_LOG_ERROR, "status_json threw an exception");
  }
  if (rc != PVPD_OK || out == nullptr) {
    return {};
  }
  std::string s(bus::buffer_view(out));
  bus::buffer_unref(out);
  return s;
}

pvpd_status PluginInstance::post_task(pvpd_task_fn fn, void *user) {
  if (fn == nullptr) {
    return PVPD_E_INVAL;
  }
  if (!accepting_calls()) {
    return PVPD_E_STATE;
  }
  TrackedTaskPtr task = tasks_.add(fn, user);
  asio::post(core_.core_context(), [self = shared_from_this(), task] {
    self->tasks_.finish(
        task, self->state() == InstanceState::kRunning || self->state() == InstanceState::kCreated
                  ? PVPD_OK
                  : PVPD_E_CANCELED);
  });
  return PVPD_OK;
}

pvpd_status PluginInstance::start_timer(uint64_t delay_ms, uint64_t period_ms, pvpd_task_fn fn,
                                        void *user, pvpd_timer_id *out) {
  if (fn == nullptr || out == nullptr) {
    return PVPD_E_INVAL;
  }
  if (!accepting_calls()) {
    return PVPD_E_STATE;
  }
  pvpd_timer_id id = next_timer_id_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    timers_.emplace(id, std::make_unique<Timer>(fn, user, period_ms));
  }
  *out = id;
  // The asio timer object is only touched on the core thread, so arming is posted there.
  asio::post(core_.core_context(),
             [self = shared_from_this(), id, delay_ms] { self->arm_timer(id, delay_ms); });
  return PVPD_OK;
}

void PluginInstance::arm_timer(pvpd_timer_id id, uint64_t delay_ms) {
  std::lock_guard<std::mutex> lock(timers_mu_);
  auto it = timers_.find(id);
  if (it == timers_.end()) {
    return;  // cancelled (and already told) before it was armed
  }
  Timer &t = *it->second;
  if (!t.timer) {
    t.timer = std::make_unique<asio::steady_timer>(core_.core_context());
  }
  t.timer->expires_after(std::chrono::milliseconds(delay_ms));
  t.timer->async_wait([self = shared_from_this(), id](const boost::system::error_code &ec) {
    if (!ec) {
      self->on_timer(id);
    }
  });
}

void PluginInstance::on_timer(pvpd_timer_id id) {
  if (state() != InstanceState::kRunning) {
    return;  // teardown owns the CANCELED call
  }
  pvpd_task_fn fn = nullptr;
  void *user = nullptr;
  uint64_t period = 0;
  std::unique_ptr<Timer> finished;  // a one-shot timer leaves the table before its only call
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    auto it = timers_.find(id);
    if (it == timers_.end()) {
      return;
    }
    fn = it->second->fn;
    user = it->second->user;
    period = it->second->period_ms;
    if (period == 0) {
      finished = std::move(it->second);
      timers_.erase(it);
    }
  }
  {
    auto scope = stall_.scope("timer");
    fn(user, PVPD_OK);
  }
  if (period > 0) {
    arm_timer(id, period);
  }
}

pvpd_status PluginInstance::cancel_timer(pvpd_timer_id id) {
  if (!accepting_calls()) {
    return PVPD_E_STATE;
  }
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    if (timers_.find(id) == timers_.end()) {
      return PVPD_E_NOENT;  // unknown, or a one-shot that already fired
    }
  }
  asio::post(core_.core_context(), [self = shared_from_this(), id] { self->finish_timer(id); });
  return PVPD_OK;
}

void PluginInstance::finish_timer(pvpd_timer_id id) {
  std::unique_ptr<Timer> timer;
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    auto it = timers_.find(id);
    if (it == timers_.end()) {
      return;
    }
    timer = std::move(it->second);
    timers_.erase(it);
  }
  if (timer->timer) {
    timer->timer->cancel();
  }
  timer->fn(timer->user, PVPD_E_CANCELED);
}

pvpd_status PluginInstance::run_blocking(pvpd_task_fn work, pvpd_task_fn done, void *user) {
  if (work == nullptr || done == nullptr) {
    return PVPD_E_INVAL;
  }
  if (!accepting_calls()) {
    return PVPD_E_STATE;
  }
  TrackedTaskPtr completion = tasks_.add(done, user);
  asio::post(core_.blocking_pool(), [self = shared_from_this(), work, user, completion] {
    {
      std::lock_guard<std::mutex> lock(self->blocking_mu_);
      if (completion->finished.load() || self->state() != InstanceState::kRunning) {
        return;  // cancelled before it started: done gets CANCELED from teardown
      }
      ++self->blocking_running_;
    }
    work(user, PVPD_OK);
    {
      std::lock_guard<std::mutex> lock(self->blocking_mu_);
      --self->blocking_running_;
    }
    self->blocking_cv_.notify_all();
    asio::post(self->core_.core_context(), [self, completion] {
      self->tasks_.finish(completion,
                          self->state() == InstanceState::kRunning ? PVPD_OK : PVPD_E_CANCELED);
    });
  });
  return PVPD_OK;
}

}  // namespace pvpd::plugin_host
