#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace spillway::config::detail {

// "33554432", "32MiB", "512 KiB", "1GB": binary units KiB/MiB/GiB, decimal KB/MB/GB, B;
// units are case-insensitive. nullopt for anything else or on overflow.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace spillway::config::detail
