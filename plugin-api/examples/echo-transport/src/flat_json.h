// flat_json.h: reads the top-level scalar members of the normalized config JSON the host hands
// to create() (an object; strings and integers are all this example needs). Nested values are
// skipped. A real plugin would use a JSON library; this keeps the example dependency-free.
//
// THREAD: pure functions. OWNERSHIP: returns copies.
#ifndef PVPD_EXAMPLE_FLAT_JSON_H
#define PVPD_EXAMPLE_FLAT_JSON_H

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace echo {

// Top-level members: strings unescaped, numbers/true/false/null as their literal text.
// nullopt when `json` is not an object.
std::optional<std::map<std::string, std::string>> parse_flat_object(std::string_view json);

}  // namespace echo

#endif  // PVPD_EXAMPLE_FLAT_JSON_H
