#include "journal/secret_key.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>

#include "journal/hash_chain.h"
#include "journal/journal_file.h"

namespace pvpd::journal {
namespace {

Result<std::string> read_small_file(const std::filesystem::path &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return errno_to_status(errno, "open " + path.string());
  }
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Status st = errno_to_status(errno, "read " + path.string());
      ::close(fd);
      return st;
    }
    if (n == 0) {
      break;
    }
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > 64 * 1024) {
      ::close(fd);
      return Status(PVPD_E_INVAL, path.string() + " is too large for a key (64 KiB at most)");
    }
  }
  ::close(fd);
  if (!data.empty() && data.back() == '\n') {
    data.pop_back();
  }
  if (data.empty()) {
    return Status(PVPD_E_INVAL, path.string() + " is empty (a key needs at least one byte)");
  }
  return data;
}

// Creates the random key file; EXIST when another process won the race (then it is read).
Status create_key_file(const std::filesystem::path &path) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return Status(PVPD_E_IO, "no randomness for the journal key");
  }
  const std::string hex = to_hex(std::string_view(reinterpret_cast<const char *>(raw), sizeof raw));
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return errno_to_status(errno, "create " + tmp.string());
  }
  Status st;
  if (::write(fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) {
    st = errno_to_status(errno != 0 ? errno : EIO, "write " + tmp.string());
  } else if (::fsync(fd) != 0) {
    st = errno_to_status(errno, "fsync " + tmp.string());
  }
  ::close(fd);
  // link() rather than rename(): never replaces a key someone else created meanwhile.
  if (st && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    st = errno_to_status(errno, "create " + path.string());
  }
  ::unlink(tmp.c_str());
  if (st) {
    st = sync_dir(path.parent_path());
  }
  return st;
}

}  // namespace

bool valid_credential_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<std::string> load_journal_secret_key(const std::filesystem::path &journal_dir,
                                            const std::string &credentials_dir,
                                            const std::string &credential_name) {
  if (!credential_name.empty()) {
    if (!valid_credential_name(credential_name)) {
      return Status(PVPD_E_INVAL, "journal secret key credential name \"" + credential_name +
                                      "\" is not a plain file name");
    }
    if (credentials_dir.empty()) {
      return Status(PVPD_E_NOENT, "journal secret key credential \"" + credential_name +
                                      "\": no credentials directory ($CREDENTIALS_DIRECTORY or "
                                      "daemon.credentials_dir)");
    }
    auto key = read_small_file(std::filesystem::path(credentials_dir) / credential_name);
    if (!key) {
      return Status(key.status().code(),
                    "journal secret key credential: " + key.status().message());
    }
    return key;
  }
  if (Status st = ensure_private_dir(journal_dir); !st) {
    return st;
  }
  const std::filesystem::path path = journal_dir / kSecretKeyFile;
  if (::access(path.c_str(), F_OK) != 0) {
    if (Status st = create_key_file(path); !st) {
      return st;
    }
  }
  return read_small_file(path);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char *>(data.data()), data.size(), out, &len);
  return to_hex(std::string_view(reinterpret_cast<const char *>(out), len));
}

std::string secret_digest_from_sha256(std::string_view key, std::string_view value_sha256_hex) {
  return std::string(kHmacPrefix) + hmac_sha256_hex(key, value_sha256_hex);
}

}  // namespace pvpd::journal
