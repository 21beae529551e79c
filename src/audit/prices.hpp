#pragma once
// Model prices (USD per million tokens) for the audit's cost column. The table that ships is
// data/prices.yaml, compiled into the binary; a config can put its own entries in front.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::audit {

struct Price {
  double input = 0;
  double output = 0;
  double cache_read = 0;
  double cache_write = 0;
};

struct PriceEntry {
  std::string match;  // glob on the model name (`*`, `?`)
  Price price;
};

class PriceTable {
 public:
  // The table that ships (data/prices.yaml).
  static PriceTable builtin();
  // Parses a prices file; throws std::runtime_error "NAME:LINE: what is wrong".
  static PriceTable parse(std::string_view yaml, const std::string& name);

  // Entries of `front` are tried before this table's; date and source say both.
  void put_in_front(const PriceTable& front);

  // The first entry matching `model`, or nullopt.
  std::optional<Price> find(std::string_view model) const;

  const std::string& date() const { return date_; }
  const std::string& source() const { return source_; }
  const std::vector<PriceEntry>& entries() const { return entries_; }

 private:
  std::string date_;
  std::string source_;
  std::vector<PriceEntry> entries_;
};

double cost_usd(const Price& price, std::int64_t input, std::int64_t output, std::int64_t cache_read,
                std::int64_t cache_write);

}  // namespace spillway::audit
