// RTP (RFC 3550) header parsing for the T.140 receiver: validates one datagram and exposes the
// header fields and the payload without copying.
//
// THREAD: pure functions, any thread. OWNERSHIP: RtpPacket::payload views the caller's datagram
// and is valid only while that buffer is. LIFETIME: none kept.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pvpd::t140 {

enum class RtpError {
  kNone,
  kTooShort,          // shorter than the 12-byte fixed header
  kVersion,           // V != 2 (STUN, ZRTP, garbage)
  kRtcp,              // RTCP multiplexed on the RTP port (RFC 5761): not text
  kCsrcOverrun,       // the CSRC list runs past the end
  kExtensionOverrun,  // the header extension runs past the end
  kPadding,           // padding count 0 or larger than the payload
};

const char *rtp_error_name(RtpError e);

struct RtpPacket {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint8_t csrc_count = 0;
  std::array<uint32_t, 15> csrc{};
  std::string_view payload;  // after CSRCs and extension, padding removed
};

// Parses and validates one datagram. On error *out is unspecified.
RtpError parse_rtp(std::string_view datagram, RtpPacket *out);

}  // namespace pvpd::t140
