#include "llm/pricing.h"

namespace pvpd::llm {

double cost_usd(const agent::Usage &usage, const Price &price) {
  return (static_cast<double>(usage.input_tokens) * price.input_per_mtok +
          static_cast<double>(usage.output_tokens) * price.output_per_mtok) /
         1e6;
}

}  // namespace pvpd::llm
