#include "systemd/journal_stream.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace pvpd::systemd {

bool fd_is_journal_stream(int fd, std::string_view journal_stream) {
  const auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  uint64_t dev = 0;
  uint64_t ino = 0;
  const char *dev_begin = journal_stream.data();
  const char *dev_end = dev_begin + colon;
  const char *ino_begin = dev_end + 1;
  const char *ino_end = journal_stream.data() + journal_stream.size();
  auto [dev_ptr, dev_ec] = std::from_chars(dev_begin, dev_end, dev);
  auto [ino_ptr, ino_ec] = std::from_chars(ino_begin, ino_end, ino);
  if (dev_ec != std::errc() || dev_ptr != dev_end || ino_ec != std::errc() || ino_ptr != ino_end ||
      ino_begin == ino_end) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return false;
  }
  return static_cast<uint64_t>(st.st_dev) == dev && static_cast<uint64_t>(st.st_ino) == ino;
}

bool stderr_is_journal_stream() {
  const char *value = std::getenv("JOURNAL_STREAM");
  return value != nullptr && fd_is_journal_stream(STDERR_FILENO, value);
}

bool journal_socket_available(std::string_view path) {
  struct stat st {};
  const std::string p(path);
  return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace pvpd::systemd
