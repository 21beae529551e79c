#pragma once
#include <optional>
#include <string>

namespace spillway::config::detail {

// Reads a whole file. Returns the reason it could not ("No such file or directory"), or
// nullopt with `out` filled.
std::optional<std::string> read_whole_file(const std::string& path, std::string& out);

}  // namespace spillway::config::detail
