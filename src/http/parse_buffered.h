// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>

namespace iuprobe {

// Feeds `parser` (a Beast basic_parser) what `buffer` holds and consumes what it parsed, a part
// at a time (put() takes the header, then what there is of the body), until `done()`, until
// the buffer holds nothing more it can take, or until the parse fails: `error` is then set, and
// is never need_more. Returns the bytes parsed. The part of Beast's read loops that the
// project's own reads (stamped, parked, or without composed operations) share.
template <class Parser, class Done>
std::size_t parse_buffered(Parser& parser, boost::beast::flat_buffer& buffer, Done done,
                           boost::system::error_code& error) {
  error = {};
  std::size_t parsed = 0;
  while (buffer.size() > 0 && !done()) {
    const std::size_t used = parser.put(buffer.data(), error);
    parsed += used;
    buffer.consume(used);
    if (error == boost::beast::http::error::need_more) {
      error = {};
      break;
    }
    if (error || used == 0) break;
  }
  return parsed;
}

// What the end of the stream means to `parser`, as Beast's reader has it: a message that had not
// begun is end_of_stream; one that ends with the stream (no length given) is complete; one cut
// short is partial_message.
template <class Parser>
boost::system::error_code parse_end_of_stream(Parser& parser) {
  if (!parser.got_some()) return boost::beast::http::error::end_of_stream;
  boost::system::error_code error;
  parser.put_eof(error);
  return error;
}

}  // namespace iuprobe
