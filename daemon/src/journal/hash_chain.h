// Hash chain primitives for the session journal: SHA-256 (OpenSSL EVP), hex encoding, the
// per-session genesis value and the record hash (docs/journal.md "Hash chain").
//
// The exact byte layout hashed here is the on-disk contract: a third party recomputes it with
// sha256sum or python3's hashlib, so any change is a format version bump.
//
// THREAD: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pvpd::journal {

inline constexpr std::string_view kGenesisPrefix = "pvpd-journal-v1\n";
inline constexpr size_t kHashHexLength = 64;

// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);
// Lower-case hex SHA-256 of the concatenation of `parts`.
std::string sha256_hex(std::initializer_list<std::string_view> parts);
inline std::string sha256_hex(std::string_view bytes) {
  return sha256_hex({bytes});
}

// sha256("pvpd-journal-v1\n" + session): what the first record's `prev` must be.
std::string genesis_hash(std::string_view session);
// sha256(prev_hex + "\n" + decimal(seq) + "\n" + message): a record's own hash. The seq is
// hashed so that renumbering a record is detected even though the journal never parses the
// message body.
std::string record_hash(std::string_view prev_hex, uint64_t seq, std::string_view message);

// True for exactly 64 lower-case hex digits.
bool is_hash_hex(std::string_view s);

}  // namespace pvpd::journal
