#include "journal/hash_chain.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace pvpd::journal {

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  size_t i = 0;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out[i++] = kDigits[c >> 4];
    out[i++] = kDigits[c & 0x0f];
  }
  return out;
}

namespace {

// OpenSSL 3 looks the algorithm up on every EVP_sha256() digest init (an implicit fetch that
// showed as ~4 % of pvpd's CPU per message); fetching it once removes that. Never freed: it
// lives as long as the process.
const EVP_MD *sha256_md() {
  static const EVP_MD *md = [] {
    const EVP_MD *fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  // One context per thread, reset by each init: no allocation per record.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx.get(), sha256_md(), nullptr) == 1;
  for (std::string_view p : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len) == 1;
  if (!ok) {
    // Only allocation failure inside OpenSSL gets here; an impossible hash never matches.
    return std::string(kHashHexLength, 'x');
  }
  return to_hex(std::string_view(reinterpret_cast<const char *>(md.data()), md_len));
}

std::string genesis_hash(std::string_view session) {
  return sha256_hex({kGenesisPrefix, session});
}

std::string record_hash(std::string_view prev_hex, uint64_t seq, std::string_view message) {
  const std::string seq_text = std::to_string(seq);
  return sha256_hex({prev_hex, "\n", seq_text, "\n", message});
}

bool is_hash_hex(std::string_view s) {
  if (s.size() != kHashHexLength) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace pvpd::journal
