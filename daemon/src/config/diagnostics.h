// Diagnostics: compiler-style config errors and warnings ("FILE:LINE:COL: error: PATH: MESSAGE"),
// so editors and CI can jump to the offending YAML node (DESIGN.md §7).
//
// THREAD: plain values. A DiagnosticSink belongs to one load call and is used by one thread.
// OWNERSHIP: everything is held by value; nothing points into YAML or JSON documents.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pvpd::config {

// A position in a config file. line/col are 1-based; line 0 means "the whole file" (I/O errors).
struct Mark {
  std::string file;
  int line = 0;
  int col = 0;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Mark mark;
  Severity severity = Severity::kError;
  std::string path;  // "daemon.log.level", "plugins[ws-public].config.send_queue.limit"
  std::string message;

  // "FILE:LINE:COL: error: PATH: MESSAGE". Parts that are unknown are left out.
  std::string format() const;
};

// Collects diagnostics during one load. Storage is capped so hostile input (a fuzzer, a file
// with a million bad keys) cannot exhaust memory; the error count keeps counting past the cap.
class DiagnosticSink {
 public:
  void error(const Mark &mark, std::string path, std::string message);
  void warning(const Mark &mark, std::string path, std::string message);

  size_t error_count() const { return error_count_; }

  // Sorted by the position of the file in `file_order`, then line and column (stable, so
  // diagnostics at one node keep the order they were found in). Errors past `max_errors` are
  // dropped and summarized by one final line.
  std::vector<Diagnostic> take_sorted(const std::vector<std::string> &file_order,
                                      size_t max_errors);

 private:
  static constexpr size_t kStorageCap = 10000;

  void add(const Mark &mark, Severity severity, std::string path, std::string message);

  std::vector<Diagnostic> diagnostics_;
  size_t error_count_ = 0;
};

// "FILE:LINE:COL" for messages such as "first defined at ...".
std::string format_mark(const Mark &mark);

}  // namespace pvpd::config
