// Fuzz target: journal bytes read back from disk (header and record lines, blob stubs), which
// an attacker with write access to the state directory controls, and the secret.share
// transforms the journal writer applies to messages before they are journaled.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "journal/blob_codec.h"
#include "journal/blob_store.h"
#include "journal/record_format.h"
#include "journal/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view s(reinterpret_cast<const char *>(data), size);
  (void)pvpd::journal::parse_header(s);
  auto rec = pvpd::journal::parse_record(s);
  if (rec.is_ok() && pvpd::journal::is_valid_utf8(rec->msg)) {
    // What the writer would write for the parsed record must read back the same.
    std::string line = pvpd::journal::format_record(rec->seq, rec->prev, rec->hash, rec->msg);
    line.pop_back();
    auto again = pvpd::journal::parse_record(line);
    if (!again.is_ok() || again->msg != rec->msg || again->seq != rec->seq ||
        again->prev != rec->prev || again->hash != rec->hash) {
      __builtin_trap();
    }
  }
  // Stubs that name a blob which does not exist must fail cleanly, never crash.
  static const pvpd::journal::BlobStore blobs("/nonexistent/pvpd-fuzz-blobs");
  auto inflated = pvpd::journal::inflate_message(s, blobs);
  if (inflated.is_ok() && pvpd::journal::is_blob_stub(s)) {
    __builtin_trap();  // no blob can exist there
  }
  (void)pvpd::journal::hmac_secret_share(s, "fuzz-key");
  (void)pvpd::journal::redact_secret_share(s);
  return 0;
}
