// PVP names of brain finish reasons (FinishReason in the protocol: complete, interrupted, error,
// max_tokens, tool_use).
#include "agent/brain.h"

namespace pvpd::agent {

const char *finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kEndTurn: return "complete";
    case FinishReason::kToolUse: return "tool_use";
    case FinishReason::kMaxTokens: return "max_tokens";
    case FinishReason::kInterrupted: return "interrupted";
    case FinishReason::kError: return "error";
  }
  return "error";
}

}  // namespace pvpd::agent
