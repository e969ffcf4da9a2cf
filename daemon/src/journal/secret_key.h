// The journal's secret key: the HMAC key under which secret.share values are digested in the
// journal (docs/journal.md "Secrets"), so an auditor holding the key can check which value was
// shared while the journal never holds it in clear (nor a plain hash, which a low-entropy secret
// could be brute-forced from by anyone reading the journal).
//
// The key comes from the credential named by daemon.journal.secret_key_credential (read from
// $CREDENTIALS_DIRECTORY, else daemon.credentials_dir), or, when no name is configured, from
// <journal dir>/hmac.key, created once with 32 random bytes (as 64 hex characters, mode 0600).
// Either way the key is the file's bytes without one trailing newline.
//
// THREAD: pure functions / one-shot file access; safe from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pvpd::journal {

inline constexpr std::string_view kSecretKeyFile = "hmac.key";
inline constexpr std::string_view kHmacPrefix = "hmac-sha256:";

// True for credential names that stay inside the credentials directory ([A-Za-z0-9_.-], not
// starting with '.').
bool valid_credential_name(std::string_view name);

// Reads the credential `credential_name` from `credentials_dir` when the name is non-empty
// (NOENT/PERM/INVAL errors say which), else reads or creates `journal_dir`/hmac.key.
Result<std::string> load_journal_secret_key(const std::filesystem::path &journal_dir,
                                            const std::string &credentials_dir,
                                            const std::string &credential_name);

// Lower-case hex HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// "hmac-sha256:" + hex(HMAC-SHA256(key, sha256_hex(value))): the journaled form of a secret.
// Keyed on the value's SHA-256 hex (not the value) so the digest can also be computed from the
// "sha256:<hex>" form the session layer already replaces the value with.
std::string secret_digest_from_sha256(std::string_view key, std::string_view value_sha256_hex);

}  // namespace pvpd::journal
