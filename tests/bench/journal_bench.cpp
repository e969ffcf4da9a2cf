// journal_bench: journal throughput and commit latency per fsync mode (no assertions).
//
//   journal_bench [--records N] [--size BYTES] [--dir DIR] [--window W] [--batch-ms MS]
//                 [--modes always,batch,none]
//
// Appends N records of S bytes to one session from the core thread, keeping at most W appends
// in flight (W = 1 measures a lone client's latency; a large W measures throughput under
// load), and prints records/s and p50/p99 latency from append() to on_commit.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "journal/journal_store.h"
#include "util/asio.h"

namespace {

using Clock = std::chrono::steady_clock;
using pvpd::journal::FsyncMode;

struct Result {
  double records_per_s = 0, p50_us = 0, p99_us = 0;
  uint64_t errors = 0;
};

Result run(const std::filesystem::path &dir, FsyncMode mode, uint64_t n, size_t size,
           uint64_t window, uint64_t batch_ms) {
  std::filesystem::remove_all(dir);
  pvpd::asio::io_context io;
  pvpd::journal::JournalOptions o;
  o.dir = dir.string();
  o.fsync = mode;
  o.batch_interval_ms = batch_ms;
  pvpd::journal::JournalStore store(io, o);
  if (!store.start()) {
    std::fprintf(stderr, "cannot start journal in %s\n", dir.c_str());
    std::exit(1);
  }
  const std::string body(size > 80 ? size - 80 : 1, 'x');
  std::vector<double> lat_us;
  lat_us.reserve(n);
  uint64_t sent = 0, done = 0, errors = 0;
  auto guard = pvpd::asio::make_work_guard(io);
  const auto start = Clock::now();
  std::function<void()> pump = [&] {
    while (sent < n && sent - done < window) {
      ++sent;
      const auto t0 = Clock::now();
      std::string msg = R"({"type":"response.chunk","seq":)" + std::to_string(sent) +
                        R"(,"payload":{"text":")" + body + "\"}}";
      store.append("bench", sent, pvpd::bus::BufferRef::copy_of(msg), [&, t0](pvpd::Status st) {
        lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        errors += st.is_ok() ? 0u : 1u;
        ++done;
        if (done == n) {
          io.stop();
        } else {
          pump();
        }
      });
    }
  };
  pvpd::asio::post(io, pump);
  io.run();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  store.stop();
  std::sort(lat_us.begin(), lat_us.end());
  Result r;
  r.records_per_s = static_cast<double>(n) / secs;
  r.p50_us = lat_us[lat_us.size() / 2];
  r.p99_us = lat_us[std::min(lat_us.size() - 1, lat_us.size() * 99 / 100)];
  r.errors = errors;
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace

int main(int argc, char **argv) {
  uint64_t n = 20000;
  size_t size = 512;
  std::vector<uint64_t> windows = {1, 256};
  std::string modes = "always,batch,none";
  uint64_t batch_ms = 5;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "pvpd-journal-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--records") {
      n = std::stoull(value);
    } else if (flag == "--size") {
      size = std::stoull(value);
    } else if (flag == "--dir") {
      dir = value;
    } else if (flag == "--window") {
      windows = {std::stoull(value)};
    } else if (flag == "--batch-ms") {
      batch_ms = std::stoull(value);
    } else if (flag == "--modes") {
      modes = value;
    } else {
      std::fprintf(stderr,
                   "usage: journal_bench [--records N] [--size BYTES] [--dir DIR] "
                   "[--window W] [--batch-ms MS] [--modes always,batch,none]\n");
      return 64;
    }
  }
  std::printf("%-7s %7s %8s %8s %12s %10s %10s %6s\n", "mode", "window", "records", "bytes",
              "records/s", "p50 us", "p99 us", "errors");
  for (const auto &[name, mode] :
       {std::pair{"always", FsyncMode::kAlways}, std::pair{"batch", FsyncMode::kBatch},
        std::pair{"none", FsyncMode::kNone}}) {
    if (modes.find(name) == std::string::npos) {
      continue;
    }
    for (uint64_t w : windows) {
      // One flush per record (always, or a lone client in batch) is slow: fewer records keep
      // the run short.
      const bool slow = mode == FsyncMode::kAlways || (mode == FsyncMode::kBatch && w == 1);
      const uint64_t count = slow ? std::min<uint64_t>(n, 1000) : n;
      const Result r = run(dir, mode, count, size, w, batch_ms);
      std::printf("%-7s %7llu %8llu %8zu %12.0f %10.0f %10.0f %6llu\n", name,
                  static_cast<unsigned long long>(w), static_cast<unsigned long long>(count), size,
                  r.records_per_s, r.p50_us, r.p99_us, static_cast<unsigned long long>(r.errors));
      std::fflush(stdout);
    }
  }
  return 0;
}
