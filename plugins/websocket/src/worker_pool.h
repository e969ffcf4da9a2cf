// A few threads for HTTP work that may block (admin queries read journal files, the bridge
// proxy waits on the network), so the lws service thread never does.
//
// THREAD: submit() from any thread; stop() from the owner (joins every worker; jobs still
// queued are dropped unrun, a running job finishes first).
// OWNERSHIP: the pool owns its threads and queued jobs.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pvpd::websocket {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued)
      : threads_(threads), max_queued_(max_queued) {}
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  // False when the queue is full or the pool stopped (the caller answers 503).
  bool submit(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ || queue_.size() >= max_queued_) {
      return false;
    }
    queue_.push_back(std::move(job));
    // Threads start on first use: an instance that never serves admin or bridge requests
    // costs no threads.
    if (workers_.size() < threads_ && idle_ == 0) {
      workers_.emplace_back([this] {
        ::pthread_setname_np(::pthread_self(), "pvpd-ws-http");
        run();
      });
    }
    cv_.notify_one();
    return true;
  }

  void stop() {
    std::vector<std::thread> workers;
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
      workers.swap(workers_);
      dropped.swap(queue_);
    }
    cv_.notify_all();
    for (std::thread &t : workers) {
      t.join();
    }
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      --idle_;
      if (stopped_) {
        return;
      }
      std::function<void()> job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      job();
      job = nullptr;
      lock.lock();
    }
  }

  const std::size_t threads_;
  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded
  std::vector<std::thread> workers_;         // guarded
  std::size_t idle_ = 0;                     // guarded
  bool stopped_ = false;                     // guarded
};

}  // namespace pvpd::websocket
