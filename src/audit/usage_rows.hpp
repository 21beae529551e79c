#pragma once
// Reads the usage records of a time window back from the audit database.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "audit/record.hpp"

namespace spillway::audit {

// Records with since <= start_ms < until (either bound may be absent), oldest first. Bodies
// are not read. Throws DatabaseError.
std::vector<Record> read_records(sqlite3* db, std::optional<std::int64_t> since_ms,
                                 std::optional<std::int64_t> until_ms);

}  // namespace spillway::audit
