#include "journal/recovery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "journal/blob_codec.h"
#include "journal/hash_chain.h"

namespace pvpd::journal {
namespace {

Status errno_status(const std::string &what) {
  const int e = errno;
  return Status(e == EACCES || e == EPERM ? PVPD_E_PERM : (e == ENOENT ? PVPD_E_NOENT : PVPD_E_IO),
                what + ": " + std::strerror(e));
}

Status read_prefix(const std::filesystem::path &path, std::optional<uint64_t> max_bytes,
                   std::string &out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("open " + path.string());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = errno_status("stat " + path.string());
    ::close(fd);
    return s;
  }
  uint64_t want = static_cast<uint64_t>(st.st_size);
  if (max_bytes && *max_bytes < want) {
    want = *max_bytes;
  }
  out.resize(want);
  size_t got = 0;
  while (got < want) {
    const ssize_t n = ::read(fd, out.data() + got, want - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Status s = errno_status("read " + path.string());
      ::close(fd);
      return s;
    }
    if (n == 0) {
      break;  // shrank meanwhile
    }
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return Status::ok();
}

// Best effort seq of a line that does not parse, so a report can still name the record.
std::optional<uint64_t> guess_seq(std::string_view line) {
  constexpr std::string_view kKey = "{\"seq\":";
  if (line.substr(0, kKey.size()) != kKey) {
    return std::nullopt;
  }
  uint64_t v = 0;
  size_t i = kKey.size();
  if (i >= line.size() || line[i] < '0' || line[i] > '9') {
    return std::nullopt;
  }
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && i < kKey.size() + 19; ++i) {
    v = v * 10 + static_cast<uint64_t>(line[i] - '0');
  }
  return v;
}

}  // namespace

ScanResult scan_journal(const std::filesystem::path &path, const ScanOptions &opts) {
  ScanResult res;
  std::string data;
  if (Status st = read_prefix(path, opts.max_bytes, data); !st) {
    res.status = st;
    return res;
  }
  res.file_size = data.size();
  const std::string_view all(data);

  // Header: created atomically (tmp + rename), so it is never torn; anything wrong is corrupt.
  const size_t header_end = all.find('\n');
  if (header_end == std::string_view::npos) {
    res.status = Status(PVPD_E_INVAL, "header line missing or incomplete");
    return res;
  }
  auto header = parse_header(all.substr(0, header_end));
  if (!header) {
    res.status = header.status();
    return res;
  }
  res.session = header->session;
  const std::string genesis = genesis_hash(res.session);
  if (header->genesis != genesis) {
    res.status = Status(PVPD_E_INVAL, "header: genesis does not match the session id");
    return res;
  }
  res.last_hash = genesis;
  res.good_size = header_end + 1;

  const BlobStore blobs(blob_dir_for_journal(path));
  bool have_record = false;
  size_t pos = header_end + 1;
  uint64_t line_no = 1;
  while (pos < all.size()) {
    ++line_no;
    const size_t nl = all.find('\n', pos);
    const bool complete = nl != std::string_view::npos;
    const size_t end = complete ? nl : all.size();
    const std::string_view line = all.substr(pos, end - pos);
    const bool is_last = !complete || nl + 1 == all.size();
    const std::string where =
        have_record ? "after record seq " + std::to_string(res.last_seq) : "first record";

    auto torn = [&](const std::string &why) {
      res.torn_tail = true;
      res.torn_note = "torn last record at byte offset " + std::to_string(pos) + " (" +
                      std::to_string(all.size() - pos) + " bytes, line " + std::to_string(line_no) +
                      ", " + where + "): " + why;
    };
    auto corrupt = [&](std::optional<uint64_t> seq, const std::string &why) {
      res.first_bad_seq = seq;
      res.status = Status(PVPD_E_INVAL, why);
    };

    if (!complete) {
      torn("no end of line");
      return res;
    }
    auto rec = parse_record(line);
    if (!rec) {
      if (is_last) {
        torn(rec.status().message());
        return res;
      }
      const auto seq = guess_seq(line);
      corrupt(seq,
              (seq ? "record seq " + std::to_string(*seq) : "line " + std::to_string(line_no)) +
                  " (line " + std::to_string(line_no) + ", " + where +
                  "): " + rec.status().message());
      return res;
    }
    const std::string label = "record seq " + std::to_string(rec->seq);
    const std::string hash = record_hash(rec->prev, rec->seq, rec->msg);
    if (hash != rec->hash) {
      if (is_last) {
        torn("hash does not match its content");
        return res;
      }
      corrupt(rec->seq, label + " (line " + std::to_string(line_no) +
                            "): hash does not match its content (record altered)");
      return res;
    }
    if (rec->prev != res.last_hash) {
      corrupt(rec->seq, label + " (line " + std::to_string(line_no) +
                            "): prev hash does not match " +
                            (have_record ? "record seq " + std::to_string(res.last_seq)
                                         : std::string("the session's genesis value")) +
                            " (record missing, reordered or altered)");
      return res;
    }
    if (have_record && rec->seq <= res.last_seq) {
      corrupt(rec->seq, label + " (line " + std::to_string(line_no) +
                            "): seq does not increase after record seq " +
                            std::to_string(res.last_seq));
      return res;
    }
    const bool collect = opts.collect && rec->seq >= opts.from_seq;
    if (is_blob_stub(rec->msg) && ((collect && opts.inflate_blobs) || opts.check_blobs)) {
      auto content = inflate_message(rec->msg, blobs);
      if (!content) {
        corrupt(rec->seq, label + " (line " + std::to_string(line_no) +
                              "): referenced blob: " + content.status().message());
        return res;
      }
      if (collect && opts.inflate_blobs) {
        rec->msg = std::move(content.value());
      }
    }
    have_record = true;
    res.last_seq = rec->seq;
    res.last_hash = rec->hash;
    ++res.record_count;
    res.good_size = nl + 1;
    if (collect) {
      res.records.push_back(Record{rec->seq, std::move(rec->msg), std::move(rec->hash)});
    }
    pos = nl + 1;
  }
  return res;
}

Status truncate_file(const std::filesystem::path &path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("open " + path.string());
  }
  Status st;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    st = errno_status("truncate " + path.string());
  } else if (::fdatasync(fd) != 0) {
    st = errno_status("fdatasync " + path.string());
  }
  ::close(fd);
  return st;
}

VerifyReport verify_journal(const std::filesystem::path &journal_path) {
  ScanOptions opts;
  opts.check_blobs = true;
  ScanResult scan = scan_journal(journal_path, opts);
  VerifyReport rep;
  rep.ok = scan.status.is_ok();
  rep.records = scan.record_count;
  rep.first_bad_seq = scan.first_bad_seq;
  rep.problem = scan.status.is_ok() ? std::string() : scan.status.message();
  rep.session = scan.session;
  rep.torn_tail = scan.torn_tail;
  rep.note = scan.torn_note;
  return rep;
}

}  // namespace pvpd::journal
