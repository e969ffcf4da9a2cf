// RTP header validation as RFC 3550 §5.1 and appendix A.1 describe it.
#include "rtp_packet.h"

namespace pvpd::t140 {
namespace {

uint32_t be32(const unsigned char *p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

const char *rtp_error_name(RtpError e) {
  switch (e) {
    case RtpError::kNone: return "ok";
    case RtpError::kTooShort: return "too_short";
    case RtpError::kVersion: return "bad_version";
    case RtpError::kRtcp: return "rtcp";
    case RtpError::kCsrcOverrun: return "csrc_overrun";
    case RtpError::kExtensionOverrun: return "extension_overrun";
    case RtpError::kPadding: return "bad_padding";
  }
  return "unknown";
}

RtpError parse_rtp(std::string_view datagram, RtpPacket *out) {
  const auto *p = reinterpret_cast<const unsigned char *>(datagram.data());
  const std::size_t n = datagram.size();
  if (n < 2) {
    return RtpError::kTooShort;
  }
  if ((p[0] >> 6) != 2) {
    return RtpError::kVersion;
  }
  // RTCP packet types 192..223 collide with RTP marker+PT 64..95; RFC 5761 §4 reserves them.
  if (p[1] >= 192 && p[1] <= 223) {
    return RtpError::kRtcp;
  }
  if (n < 12) {
    return RtpError::kTooShort;
  }
  const bool padding = (p[0] & 0x20) != 0;
  const bool extension = (p[0] & 0x10) != 0;
  out->csrc_count = p[0] & 0x0f;
  out->marker = (p[1] & 0x80) != 0;
  out->payload_type = p[1] & 0x7f;
  out->seq = static_cast<uint16_t>((p[2] << 8) | p[3]);
  out->timestamp = be32(p + 4);
  out->ssrc = be32(p + 8);
  std::size_t offset = 12 + std::size_t{out->csrc_count} * 4;
  if (offset > n) {
    return RtpError::kCsrcOverrun;
  }
  for (uint8_t i = 0; i < out->csrc_count; ++i) {
    out->csrc[i] = be32(p + 12 + std::size_t{i} * 4);
  }
  if (extension) {
    if (offset + 4 > n) {
      return RtpError::kExtensionOverrun;
    }
    std::size_t words = (std::size_t{p[offset + 2]} << 8) | p[offset + 3];
    offset += 4 + words * 4;
    if (offset > n) {
      return RtpError::kExtensionOverrun;
    }
  }
  std::size_t end = n;
  if (padding) {
    std::size_t pad = p[n - 1];
    if (pad == 0 || pad > n - offset) {
      return RtpError::kPadding;
    }
    end -= pad;
  }
  out->payload = datagram.substr(offset, end - offset);
  return RtpError::kNone;
}

}  // namespace pvpd::t140
