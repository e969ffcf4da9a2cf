// SRTP (RFC 3711; AES-GCM per RFC 7714) decryption for one listener with libsrtp2: a
// pre-shared master key + salt (t140llm has no key management, research/t140.md §1.6), any
// inbound SSRC, libsrtp's replay window.
//
// THREAD: one instance is used by one thread (libsrtp sessions are not thread-safe); creation
// may happen on any thread. OWNERSHIP: owns its libsrtp session. LIFETIME: freed on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace pvpd::t140 {

enum class SrtpProfile { kAesCm128HmacSha1_80, kAeadAes128Gcm };

enum class SrtpOutcome { kOk, kAuthFail, kReplay, kError };

// Master key + salt length in bytes for a profile (30 and 28).
std::size_t srtp_key_length(SrtpProfile profile);
bool srtp_available();

class SrtpReceiver {
 public:
  // `key` = master key followed by master salt (binary). Null when libsrtp refuses them.
  static std::unique_ptr<SrtpReceiver> create(SrtpProfile profile, std::string_view key,
                                              std::string *error);
  ~SrtpReceiver();
  SrtpReceiver(const SrtpReceiver &) = delete;
  SrtpReceiver &operator=(const SrtpReceiver &) = delete;

  // Authenticates and decrypts one SRTP packet in place; on kOk `*packet` is plain RTP.
  SrtpOutcome unprotect(std::string *packet);

 private:
  struct Impl;
  explicit SrtpReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pvpd::t140
