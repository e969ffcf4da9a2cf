// Price table helper: the cost of one generation from its token usage.
//
// Thinking/reasoning tokens are billed as output and both providers already count them in
// output_tokens, so they are not added again.
//
// THREAD: pure. OWNERSHIP / LIFETIME: n/a.
#pragma once

#include "agent/brain.h"

namespace pvpd::llm {

struct Price {
  double input_per_mtok = 0;   // USD per million input tokens
  double output_per_mtok = 0;  // USD per million output tokens
};

double cost_usd(const agent::Usage &usage, const Price &price);

}  // namespace pvpd::llm
