#pragma once
// The report as data: one JSON object (its `totals` are a stable interface), or CSV.
//
// CSV layout: two tables, one after the other, separated by an empty line. Every line starts
// with the table's name, so `grep '^minute,'` or `grep '^group,'` pulls one out; each table's
// first line (starting `table,`) names its columns:
//   table,minute_utc,minute_unix_ms,requests,input_tokens,output_tokens,cache_read_tokens,
//         cache_write_tokens,total_tokens
//   table,group_by,key,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,
//         total_tokens,cost_usd,unpriced_requests,tokens_per_min_p50,tokens_per_min_p95,
//         tokens_per_min_p99,tokens_per_min_max,requests_per_min_p50,requests_per_min_p95,
//         requests_per_min_p99,requests_per_min_max
// Fields are quoted as RFC 4180 says when they hold a comma, quote or line break.
#include <ostream>
#include <string>

#include <boost/json/value.hpp>

#include "audit/report.hpp"

namespace spillway::audit {

boost::json::value to_json(const Report& report);
void write_json(const Report& report, std::ostream& out);
void write_csv(const Report& report, std::ostream& out);

std::string csv_field(const std::string& text);

}  // namespace spillway::audit
