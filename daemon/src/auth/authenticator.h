// Authenticator: decides who a joining connection is and which roles it may hold.
//
// Two modes (daemon.auth.mode):
//  - token: a join must present a token (session.join payload.token, or the credential the
//    transport saw at connect time: `?token=` or `Authorization: Bearer`). Tokens come from the
//    configuration with only their SHA-256 stored; each maps to one participant id, the roles and
//    capabilities it may hold, and whether it is an admin. A join's self-declared roles are
//    narrowed to what the token allows (all of them when it asks for none).
//  - open: reference-compatible self-declared identity and roles, allowed only for local
//    connections (loopback or unix socket) unless daemon.auth.allow_open_remote is set.
//
// THREAD: core thread (immutable after construction apart from set_options).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::auth {

struct TokenGrant {
  std::string sha256_hex;   // of the token text
  std::string participant;  // the identity this token proves; empty = any id (roles still bound)
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  bool admin = false;
};

struct AuthOptions {
  std::string mode = "open";  // "open" | "token"
  bool allow_open_remote = false;
  std::vector<TokenGrant> tokens;
};

struct JoinRequest {
  std::string participant_id;  // payload.participant.id
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  std::string token;            // payload.token, may be empty
  std::string conn_credential;  // from the transport, may be empty
  bool conn_is_local = false;
};

struct Identity {
  std::string participant_id;
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  bool admin = false;
};

struct AuthFailure {
  std::string message;  // for the UNAUTHORIZED error frame; never contains the token
};

class Authenticator {
 public:
  explicit Authenticator(AuthOptions options) : options_(std::move(options)) {}
  void set_options(AuthOptions options) { options_ = std::move(options); }
  const AuthOptions &options() const { return options_; }

  // Returns the identity, or a failure to report.
  std::optional<Identity> authenticate(const JoinRequest &req, AuthFailure *failure) const;

 private:
  AuthOptions options_;
};

std::string sha256_hex(std::string_view data);

// The grant `token` proves under `options` (token mode), compared in constant time; nullopt for
// an unknown token. THREAD: any (pure).
std::optional<TokenGrant> find_grant(const AuthOptions &options, std::string_view token);

}  // namespace pvpd::auth
