// Fuzz target: libpvpclient's state model (pvp-tui, pvpctl) fed untrusted server frames.
// Input: frames separated by newlines, applied in order to one ClientState, so sequences
// (streams, gates, resume duplicates) are explored, not only single frames. After each frame the
// views a renderer uses are read, so a broken invariant there shows up too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pvpclient/client_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pvpd::client::ClientState st("bob");
  std::string_view in(reinterpret_cast<const char *>(data), size);
  size_t chars = 0;
  while (!in.empty()) {
    const size_t nl = in.find('\n');
    st.apply(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    for (const auto *g : st.open_gates()) {
      chars += g->id.size() + (g->entry < st.entries().size() ? 1 : 0);
    }
    if (const auto *g = st.next_gate_to_vote()) {
      chars += g->tool_name.size();
    }
    if (const auto *t = st.current_thinking()) {
      chars += t->text.size();
    }
    chars += st.participants().size() + st.agents().size() + st.drafts().size();
  }
  for (const auto &e : st.entries()) {
    chars += pvpd::client::plain_text(e).size();
  }
  (void)st.find_backward("a", st.entries().size());
  return chars == static_cast<size_t>(-1) ? 1 : 0;
}
