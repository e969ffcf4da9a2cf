// The one place pvpd includes Boost.Asio.
//
// Boost 1.74's Asio uses std::exchange without including <utility>, which breaks under g++ 12
// in C++20 mode (research/architecture.md, "verified" item 2). Every file that needs Asio
// includes this header instead of <boost/asio.hpp>.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace pvpd {
namespace asio = boost::asio;
}  // namespace pvpd
