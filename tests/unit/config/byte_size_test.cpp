#include <gtest/gtest.h>

#include "config/byte_size.hpp"

namespace spillway::config::detail {
namespace {

TEST(ParseByteSize, Table) {
  struct Case {
    const char* text;
    std::optional<std::uint64_t> bytes;
  };
  for (const Case& c : {
           Case{"33554432", 33554432},
           Case{"0", 0},
           Case{"10B", 10},
           Case{"512KiB", 512 * 1024},
           Case{"512 KiB", 512 * 1024},
           Case{"32MiB", 32ull << 20},
           Case{"32mib", 32ull << 20},
           Case{"2GiB", 2ull << 30},
           Case{"1KB", 1000},
           Case{"1MB", 1000 * 1000},
           Case{"3GB", 3'000'000'000ull},
           Case{"", std::nullopt},
           Case{"MiB", std::nullopt},
           Case{"-1", std::nullopt},
           Case{"1.5MiB", std::nullopt},
           Case{"12 parsecs", std::nullopt},
           Case{"1MiB ", std::nullopt},
           Case{"99999999999999999999", std::nullopt},
           Case{"17179869184GiB", std::nullopt},  // overflows 64 bits
       }) {
    EXPECT_EQ(parse_byte_size(c.text), c.bytes) << "'" << c.text << "'";
  }
}

}  // namespace
}  // namespace spillway::config::detail
