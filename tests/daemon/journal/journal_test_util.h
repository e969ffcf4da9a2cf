// Helpers shared by the journal tests: temp dirs, driving the core io_context, file bytes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bus/shared_buffer.h"
#include "journal/journal_store.h"
#include "util/asio.h"

namespace pvpd::journal::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pvpd-journal-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path &path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `io` until `done()` or the timeout; returns done().
inline bool run_until(asio::io_context &io, const std::function<bool()> &done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto guard = asio::make_work_guard(io);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(2));
    if (io.stopped()) {
      io.restart();
    }
  }
  return done();
}

inline std::string message(const std::string &session, uint64_t seq, const std::string &text = "hi",
                           const std::string &sender = "alice",
                           const std::string &type = "prompt.submit") {
  return R"({"v":1,"id":"m)" + std::to_string(seq) + R"(","ts":"2025-01-01T00:00:0)" +
         std::to_string(seq % 10) + R"(Z","session":")" + session + R"(","sender":")" + sender +
         R"(","type":")" + type + R"(","seq":)" + std::to_string(seq) +
         R"(,"payload":{"content":")" + text + R"("}})";
}

inline std::string read_file(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path &p, const std::string &bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Appends records seq first..last with fixed content and waits for every commit.
inline void append_all(asio::io_context &io, JournalStore &store, const std::string &session,
                       uint64_t first, uint64_t last) {
  size_t pending = 0;
  for (uint64_t seq = first; seq <= last; ++seq) {
    ++pending;
    store.append(session, seq,
                 bus::BufferRef::copy_of(message(session, seq, "text " + std::to_string(seq))),
                 [&pending](Status st) {
                   EXPECT_TRUE(st.is_ok()) << st.message();
                   --pending;
                 });
  }
  ASSERT_TRUE(run_until(io, [&] { return pending == 0; }));
}

}  // namespace pvpd::journal::testing
