#include "config/diagnostics.h"

#include <algorithm>
#include <utility>

namespace pvpd::config {

std::string format_mark(const Mark &mark) {
  std::string out = mark.file;
  if (mark.line > 0) {
    out += ':' + std::to_string(mark.line) + ':' + std::to_string(mark.col);
  }
  return out;
}

std::string Diagnostic::format() const {
  std::string out = format_mark(mark);
  if (!out.empty()) {
    out += ": ";
  }
  out += severity == Severity::kError ? "error: " : "warning: ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

void DiagnosticSink::error(const Mark &mark, std::string path, std::string message) {
  add(mark, Severity::kError, std::move(path), std::move(message));
}

void DiagnosticSink::warning(const Mark &mark, std::string path, std::string message) {
  add(mark, Severity::kWarning, std::move(path), std::move(message));
}

void DiagnosticSink::add(const Mark &mark, Severity severity, std::string path,
                         std::string message) {
  if (severity == Severity::kError) {
    ++error_count_;
  }
  if (diagnostics_.size() >= kStorageCap) {
    return;
  }
  diagnostics_.push_back(Diagnostic{mark, severity, std::move(path), std::move(message)});
}

std::vector<Diagnostic> DiagnosticSink::take_sorted(const std::vector<std::string> &file_order,
                                                    size_t max_errors) {
  auto rank = [&file_order](const std::string &file) {
    auto it = std::find(file_order.begin(), file_order.end(), file);
    // Files not in the list (or no file at all) sort after every known file.
    return it == file_order.end() ? file_order.size() + (file.empty() ? 1 : 0)
                                  : static_cast<size_t>(it - file_order.begin());
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&rank](const Diagnostic &a, const Diagnostic &b) {
                     size_t ra = rank(a.mark.file);
                     size_t rb = rank(b.mark.file);
                     if (ra != rb) {
                       return ra < rb;
                     }
                     if (a.mark.file != b.mark.file) {
                       return a.mark.file < b.mark.file;
                     }
                     if (a.mark.line != b.mark.line) {
                       return a.mark.line < b.mark.line;
                     }
                     return a.mark.col < b.mark.col;
                   });
  std::vector<Diagnostic> out;
  size_t errors = 0;
  for (auto &d : diagnostics_) {
    if (d.severity == Severity::kError) {
      if (errors >= max_errors) {
        continue;
      }
      ++errors;
    }
    out.push_back(std::move(d));
  }
  if (error_count_ > errors) {
    out.push_back(Diagnostic{Mark{}, Severity::kError, "",
                             "too many errors (" + std::to_string(error_count_) +
                                 "), showing the first " + std::to_string(errors)});
  }
  diagnostics_.clear();
  return out;
}

}  // namespace pvpd::config
