// T.140 presentation-layer decoding of one stream's T140blocks (ITU-T T.140, RFC 4103 §3):
// UTF-8 validation with replacement, BOM removal, new-line normalisation, backspace, and removal
// of the other control functions, so that only printable text reaches JSON.
//
// Rules chosen (docs/plugins/t140.md):
//   - invalid UTF-8: one U+FFFD per maximal run of invalid bytes;
//   - a UTF-8 sequence split across two blocks is joined (RFC 4103 forbids the split but
//     receivers must survive it); a loss or the end of the stream turns the held bytes into
//     U+FFFD;
//   - U+2028, U+2029, CR LF (also split across blocks), lone CR and lone LF become "\n";
//   - U+FEFF is dropped anywhere; BS (U+0008) is reported as an erase operation;
//   - other C0/C1 controls, DEL, ESC [ ... final (SGR etc.), ESC a (INT), CSI U+009B ... and
//     SOS U+0098 ... ST U+009C are removed; TAB is kept.
//
// THREAD: one instance per stream, used by one thread. OWNERSHIP/LIFETIME: plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::t140 {

struct TextOp {
  bool backspace = false;
  std::string text;  // valid UTF-8 when !backspace
};

struct DecodeStats {
  uint64_t replacements = 0;  // U+FFFD emitted for invalid UTF-8
  uint64_t boms = 0;
  uint64_t controls = 0;  // removed control characters / sequences
};

class T140Decoder {
 public:
  // Appends the operations of one T140block to *ops (text runs are merged).
  void decode(std::string_view block, std::vector<TextOp> *ops, DecodeStats *stats);
  // A gap in the stream: held partial UTF-8 and CR state are dropped (the caller inserts the
  // loss marker).
  void on_loss();
  // No more input for now (idle flush / stream end): held partial UTF-8 becomes U+FFFD.
  void finish(std::vector<TextOp> *ops, DecodeStats *stats);

 private:
  enum class Escape { kNone, kEsc, kCsi, kSos };
  void code_point(uint32_t cp, std::vector<TextOp> *ops, DecodeStats *stats);
  void replacement(std::vector<TextOp> *ops, DecodeStats *stats);

  std::string held_;  // an incomplete UTF-8 sequence at the end of the previous block
  bool after_cr_ = false;
  bool after_error_ = false;  // the last output was a replacement for invalid bytes
  Escape escape_ = Escape::kNone;
  uint32_t escape_len_ = 0;
};

// Appends cp as UTF-8.
void append_utf8(uint32_t cp, std::string *out);

}  // namespace pvpd::t140
