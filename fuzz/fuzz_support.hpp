#pragma once
// Helpers shared by the fuzz targets (docs/fuzzing.md). Each target defines
// LLVMFuzzerTestOneInput; built with clang and -fsanitize=fuzzer it is a libFuzzer binary,
// built with replay_main.cpp (any compiler) it replays the corpus and regression files.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace spillway::fuzz {

// An invariant that must hold for every input: abort (a crash to libFuzzer) when it does not.
inline void require(bool ok, const char* what, std::string_view context = {}) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n--- context (%zu bytes) ---\n%.*s\n---\n", what,
                 context.size(), static_cast<int>(context.size() > 4000 ? 4000 : context.size()), context.data());
    std::abort();
  }
}

// The input with its first `n` bytes taken off as settings (zeros when the input is shorter).
struct Input {
  Input(const std::uint8_t* data, std::size_t size, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      settings.push_back(i < size ? data[i] : 0);
    }
    if (size > n) {
      rest = std::string_view(reinterpret_cast<const char*>(data) + n, size - n);
    }
  }
  std::vector<std::uint8_t> settings;
  std::string_view rest;
};

// Splits `text` into chunks chosen by `seed`: 0 = one chunk; otherwise pseudo-random sizes
// from 1 to `seed` bytes (so seed 1 feeds a byte at a time).
inline std::vector<std::string_view> chunks(std::string_view text, std::uint8_t seed) {
  std::vector<std::string_view> out;
  if (seed == 0) {
    out.push_back(text);
    return out;
  }
  std::uint32_t state = seed * 2654435761u;
  std::size_t pos = 0;
  while (pos < text.size()) {
    state = state * 1103515245u + 12345u;
    const std::size_t n = 1 + (state >> 16) % seed;
    out.push_back(text.substr(pos, n));
    pos += n;
  }
  return out;
}

// Whether `text` is JSON. The nesting limit is raised by default: an output may nest as deep
// as the input it came from.
inline bool parses_as_json(std::string_view text, boost::json::value* out = nullptr, std::size_t max_depth = 10000,
                           bool allow_invalid_utf8 = false) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = max_depth;
  options.allow_invalid_utf8 = allow_invalid_utf8;
  auto v = boost::json::parse(text, ec, {}, options);
  if (out && !ec) {
    *out = std::move(v);
  }
  return !ec;
}

}  // namespace spillway::fuzz
