// Redaction of secret.share messages before they are journaled (issue 5 "Secrets").
//
// The caller (session layer) journals redact_secret_share(message) instead of the clear
// message. payload.value, and payload.value_ref when it holds an inline value rather than a
// reference, become {"redacted":"sha256:<hex>"}: the hash lets an auditor check which value was
// shared without the journal containing it. Everything else in the envelope is preserved as far
// as a RapidJSON parse + compact re-serialization allows (member order and values are kept;
// whitespace and number spelling may change).
//
// A value_ref is a reference (kept) when it is "<scheme>://...", or "env:NAME", "cred:NAME",
// "credential:NAME", "file:PATH" or "sha256:<hex>"; anything else is treated as an inline
// secret. Fail closed: an unparseable message yields {"redacted":"unparseable secret.share"}.
//
// THREAD: pure function.
#pragma once

#include <string>
#include <string_view>

namespace pvpd::journal {

std::string redact_secret_share(std::string_view message_json);

// The journal's own pass over a secret.share record (journal writer, docs/journal.md
// "Secrets"): payload.value and payload.value_ref, whatever form they arrive in (the clear
// value, the session layer's "sha256:<hex>" digest, or redact_secret_share's
// {"redacted":"sha256:<hex>"}), become "hmac-sha256:<hex>" = secret_digest_from_sha256(key,
// sha256 hex of the value). value_ref references (env:NAME, cred:NAME, ...) stay as they are.
// Messages of other types are returned unchanged. Fail closed: an unparseable secret.share
// yields {"redacted":"unparseable secret.share"}. An empty key leaves the message unchanged.
std::string hmac_secret_share(std::string_view message_json, std::string_view key);
// Cheap pre-check for the writer: false means the message is certainly not a secret.share.
bool may_be_secret_share(std::string_view message_json);
// True when value_ref is a reference rather than an inline secret (rules above).
bool looks_like_secret_reference(std::string_view value_ref);

}  // namespace pvpd::journal
