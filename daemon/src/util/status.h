// Status and Result<T>: error values for runtime paths (DESIGN.md §9).
//
// Exceptions are for the control plane only (CLI, config, startup). Anything on the message
// path reports failure as a Status carrying a code and an operator-readable message. The codes
// mirror the ABI's pvpd_status so a Status converts to it losslessly at the plugin boundary.
#pragma once

#include <pvpd/plugin.hpp>

#include <string>
#include <utility>
#include <variant>

namespace pvpd {

// Status names ("INVAL", "AGAIN", ...) come from the plugin wrapper: pvpd::status_name().

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(pvpd_status code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == PVPD_OK; }
  explicit operator bool() const { return is_ok(); }
  pvpd_status code() const { return code_; }
  const std::string &message() const { return message_; }

 private:
  pvpd_status code_ = PVPD_OK;
  std::string message_;
};

// Holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  T &value() & { return std::get<T>(v_); }
  const T &value() const & { return std::get<T>(v_); }
  T &&value() && { return std::get<T>(std::move(v_)); }
  T *operator->() { return &std::get<T>(v_); }
  const T *operator->() const { return &std::get<T>(v_); }
  const Status &status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pvpd
