#pragma once
// Records as bytes, for the audit sink's queue: the request thread appends a record to one
// buffer, the writer reads them back. One buffer swapped between the two threads means no
// allocation per record on the request path and no string freed on a thread that did not
// allocate it (each costs more under load than the copy).
#include <string>
#include <string_view>

#include "audit/record.hpp"

namespace spillway::audit {

void append_record(std::string& out, const Record& record);

// Reads the record at the front of `in` into `record` (reusing its strings' storage) and
// advances `in` past it. False when `in` holds no whole record.
bool read_record(std::string_view& in, Record& record);

}  // namespace spillway::audit
