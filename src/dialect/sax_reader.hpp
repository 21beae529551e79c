#pragma once
// What the dialect's SAX readers (openai_chunk, anthropic_delta) share: the Boost.JSON
// basic_parser handler callbacks they ignore, and the parse options. Internal to dialect/.
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/string_view.hpp>
#include <cstddef>

namespace spillway::dialect {

// Derive a handler from this and define the callbacks it reads (containers, keys, strings,
// numbers); document bounds, number parts, booleans, nulls and comments are accepted unread.
struct SaxHandlerDefaults {
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_bool(bool, boost::json::error_code&) { return true; }
  bool on_null(boost::json::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

// UTF-8 is not checked by the readers: what is written out again is checked by
// json_write::string, which costs less than checking every byte of every event.
inline boost::json::parse_options sax_reader_options() {
  boost::json::parse_options o;
  o.allow_invalid_utf8 = true;
  return o;
}

}  // namespace spillway::dialect
