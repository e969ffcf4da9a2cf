// libsrtp2 glue; without libsrtp2 at build time every create() fails (and the options are
// refused at validation, see options.cpp).
#include "srtp_receiver.h"

#ifdef PVPD_T140_HAVE_SRTP
#include <srtp2/srtp.h>

#include <climits>
#include <mutex>
#include <vector>
#endif

namespace pvpd::t140 {

std::size_t srtp_key_length(SrtpProfile profile) {
  return profile == SrtpProfile::kAeadAes128Gcm ? 28 : 30;
}

#ifdef PVPD_T140_HAVE_SRTP

namespace {

// libsrtp's crypto kernel is process-global; it is initialised once and never shut down
// (other users in the process may share it).
bool init_once() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = srtp_init() == srtp_err_status_ok; });
  return ok;
}

// Replay window in packets (libsrtp accepts 64..32768).
constexpr unsigned long kReplayWindow = 1024;

}  // namespace

struct SrtpReceiver::Impl {
  srtp_t session = nullptr;
  ~Impl() {
    if (session != nullptr) {
      srtp_dealloc(session);
    }
  }
};

bool srtp_available() {
  return true;
}

std::unique_ptr<SrtpReceiver> SrtpReceiver::create(SrtpProfile profile, std::string_view key,
                                                   std::string *error) {
  if (!init_once()) {
    *error = "libsrtp initialisation failed";
    return nullptr;
  }
  if (key.size() != srtp_key_length(profile)) {
    *error = "wrong key length";
    return nullptr;
  }
  std::vector<unsigned char> key_bytes(key.begin(), key.end());
  srtp_policy_t policy{};
  if (profile == SrtpProfile::kAeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = key_bytes.data();
  policy.window_size = kReplayWindow;
  policy.allow_repeat_tx = 0;
  policy.next = nullptr;
  auto impl = std::make_unique<Impl>();
  srtp_err_status_t st = srtp_create(&impl->session, &policy);
  std::fill(key_bytes.begin(), key_bytes.end(), 0);
  if (st != srtp_err_status_ok) {
    impl->session = nullptr;
    *error = "srtp_create failed (status " + std::to_string(static_cast<int>(st)) + ")";
    return nullptr;
  }
  return std::unique_ptr<SrtpReceiver>(new SrtpReceiver(std::move(impl)));
}

SrtpOutcome SrtpReceiver::unprotect(std::string *packet) {
  if (packet->size() < 12 || packet->size() > INT_MAX) {
    return SrtpOutcome::kError;
  }
  int len = static_cast<int>(packet->size());
  srtp_err_status_t st = srtp_unprotect(impl_->session, packet->data(), &len);
  switch (st) {
    case srtp_err_status_ok: packet->resize(static_cast<std::size_t>(len)); return SrtpOutcome::kOk;
    case srtp_err_status_auth_fail: return SrtpOutcome::kAuthFail;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpOutcome::kReplay;
    default: return SrtpOutcome::kError;
  }
}

#else  // !PVPD_T140_HAVE_SRTP

struct SrtpReceiver::Impl {};

bool srtp_available() {
  return false;
}

std::unique_ptr<SrtpReceiver> SrtpReceiver::create(SrtpProfile, std::string_view,
                                                   std::string *error) {
  *error = "this build of pvpd-t140 has no SRTP (libsrtp2 was not found)";
  return nullptr;
}

SrtpOutcome SrtpReceiver::unprotect(std::string *) {
  return SrtpOutcome::kError;
}

#endif

SrtpReceiver::SrtpReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SrtpReceiver::~SrtpReceiver() = default;

}  // namespace pvpd::t140
