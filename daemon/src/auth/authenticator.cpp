#include "auth/authenticator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

namespace pvpd::auth {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

namespace {

std::vector<std::string> narrow(const std::vector<std::string> &requested,
                                const std::vector<std::string> &allowed) {
  if (requested.empty()) {
    return allowed;
  }
  std::vector<std::string> out;
  for (const auto &r : requested) {
    if (std::find(allowed.begin(), allowed.end(), r) != allowed.end()) {
      out.push_back(r);
    }
  }
  return out;
}

// Constant-time comparison of two hex digests of equal length.
bool digest_equal(const std::string &a, const std::string &b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<Identity> Authenticator::authenticate(const JoinRequest &req,
                                                    AuthFailure *failure) const {
  if (options_.mode == "open") {
    if (!req.conn_is_local && !options_.allow_open_remote) {
      failure->message = "this server runs in open auth mode, which only accepts local connections";
      return std::nullopt;
    }
    return Identity{req.participant_id, req.roles, req.capabilities, false};
  }
  const std::string &presented = !req.token.empty() ? req.token : req.conn_credential;
  if (presented.empty()) {
    failure->message = "a token is required to join (payload.token, ?token= or Authorization)";
    return std::nullopt;
  }
  std::string digest = sha256_hex(presented);
  for (const auto &grant : options_.tokens) {
    if (!digest_equal(grant.sha256_hex, digest)) {
      continue;
    }
    if (!grant.participant.empty() && grant.participant != req.participant_id) {
      failure->message = "this token belongs to participant '" + grant.participant + "', not '" +
                         req.participant_id + "'";
      return std::nullopt;
    }
    Identity id;
    id.participant_id = req.participant_id;
    id.roles = narrow(req.roles, grant.roles);
    id.capabilities = narrow(req.capabilities, grant.capabilities);
    id.admin = grant.admin;
    return id;
  }
  failure->message = "invalid token";
  return std::nullopt;
}

std::optional<TokenGrant> find_grant(const AuthOptions &options, std::string_view token) {
  if (token.empty()) {
    return std::nullopt;
  }
  const std::string digest = sha256_hex(token);
  for (const auto &grant : options.tokens) {
    if (digest_equal(grant.sha256_hex, digest)) {
      return grant;
    }
  }
  return std::nullopt;
}

}  // namespace pvpd::auth
