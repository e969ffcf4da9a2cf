// The plugin's runtime: one UDP socket per listener and one thread that polls them, feeds the
// listener pipelines and runs their timers (reorder waits, flushes, stream expiry).
//
// THREAD: start/stop/status_json/on_host_close/on_deliver run on the core thread. The listener
// thread owns the pipelines; it talks to the host only through HostSink (THREAD: any calls).
// stop() wakes and joins the thread, which first flushes and closes every stream.
// OWNERSHIP: owns sockets, pipelines, sinks and counters. LIFETIME: no host call after stop().
#pragma once

#include <pvpd/plugin.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "counters.h"
#include "host_sink.h"
#include "listener_pipeline.h"
#include "options.h"

namespace pvpd::t140 {

class Receiver {
 public:
  Receiver(pvpd::Host host, Settings settings);
  ~Receiver();
  Receiver(const Receiver &) = delete;
  Receiver &operator=(const Receiver &) = delete;

  pvpd_status start();
  void stop();
  void on_deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg);
  void on_host_close(pvpd_conn_id conn, int32_t reason);
  std::string status_json() const;

 private:
  struct Listener {
    ListenerSettings settings;
    int fd = -1;
    int bound_port = 0;
    std::unique_ptr<HostSink> sink;
    std::unique_ptr<ListenerPipeline> pipeline;
    std::atomic<std::size_t> streams{0};
  };

  pvpd_status open_socket(Listener &l);
  void run();
  void drain(Listener &l, std::vector<char> &buffer);

  pvpd::Host host_;
  Settings settings_;
  Counters counters_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex error_mu_;
  std::string last_error_;
};

}  // namespace pvpd::t140
