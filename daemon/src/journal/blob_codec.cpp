#include "journal/blob_codec.h"

#include <rapidjson/document.h>

namespace pvpd::journal {

std::filesystem::path blob_dir_for_journal(const std::filesystem::path &journal_path) {
  std::filesystem::path dir = journal_path.parent_path();
  if (dir.filename() == "archive") {
    dir = dir.parent_path();
  }
  return dir / kBlobDirName;
}

Result<std::string> deflate_message(std::string_view message, uint64_t threshold,
                                    BlobStore &blobs) {
  const bool large = threshold != 0 && message.size() > threshold;
  if (!large && !is_blob_stub(message)) {
    return std::string(message);
  }
  auto ref = blobs.put(message);
  if (!ref) {
    return Status(ref.status().code(), "blob store: " + ref.status().message());
  }
  return std::string(kBlobStubPrefix) + "\"" + ref.value() +
         "\",\"bytes\":" + std::to_string(message.size()) + "}";
}

namespace {

struct Stub {
  std::string ref;
  uint64_t bytes = 0;
};

Result<Stub> parse_stub(std::string_view stub) {
  rapidjson::Document d;
  d.Parse(stub.data(), stub.size());
  if (d.HasParseError() || !d.IsObject()) {
    return Status(PVPD_E_INVAL, "blob reference record is not valid JSON");
  }
  auto ref = d.FindMember("pvpd_blob");
  auto bytes = d.FindMember("bytes");
  if (ref == d.MemberEnd() || !ref->value.IsString() || bytes == d.MemberEnd() ||
      !bytes->value.IsUint64() ||
      !BlobStore::is_ref(std::string_view(ref->value.GetString(), ref->value.GetStringLength()))) {
    return Status(PVPD_E_INVAL,
                  "blob reference record needs \"pvpd_blob\":\"sha256:<hex>\" and \"bytes\"");
  }
  return Stub{std::string(ref->value.GetString(), ref->value.GetStringLength()),
              bytes->value.GetUint64()};
}

}  // namespace

Result<std::string> blob_ref_of_stub(std::string_view stub) {
  auto s = parse_stub(stub);
  if (!s) {
    return s.status();
  }
  return s->ref;
}

Result<std::string> inflate_message(std::string_view msg, const BlobStore &blobs) {
  if (!is_blob_stub(msg)) {
    return std::string(msg);
  }
  auto stub = parse_stub(msg);
  if (!stub) {
    return stub.status();
  }
  auto content = blobs.get(stub->ref);
  if (!content) {
    return content.status();
  }
  if (content->size() != stub->bytes) {
    return Status(PVPD_E_INVAL, "blob " + stub->ref + " holds " + std::to_string(content->size()) +
                                    " bytes, the record says " + std::to_string(stub->bytes));
  }
  return std::move(content.value());
}

}  // namespace pvpd::journal
