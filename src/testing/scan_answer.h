// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/parse_buffered.h"
#include "http/response_scanner.h"

namespace iuprobe::testing {

// What a ResponseScanner made of an answer's bytes.
struct ScannedAnswer {
  bool finished = false;
  std::string error;  // the parse's, or the end of the stream's: empty when none
  std::size_t parsed = 0;
  unsigned status = 0;
  bool keep_alive = false;  // only when finished
  std::string error_type;
  std::string body_prefix;
  std::uint64_t body_bytes = 0;
  bool read_whole = false;  // the fast reader took the final answer
  bool operator==(const ScannedAnswer&) const = default;
};

// Scans `bytes` as the load session's read loops do: in two reads split at `split` (each
// parsed with parse_buffered up to the final answer), then the end of the stream if the answer
// is not finished.
inline ScannedAnswer scan_answer(std::string_view bytes, std::size_t split,
                                 ResponseScanner::Reader reader, bool head_request = false) {
  ResponseScanner scanner(head_request, reader);
  boost::beast::flat_buffer buffer;
  ScannedAnswer out;
  boost::system::error_code error;
  const auto done = [&] { return scanner.finished(); };
  for (const std::string_view part : {bytes.substr(0, split), bytes.substr(split)}) {
    if (part.empty()) continue;
    buffer.commit(boost::asio::buffer_copy(buffer.prepare(part.size()), boost::asio::buffer(part)));
    out.parsed += parse_buffered(scanner, buffer, done, error);
    if (error || done()) break;
  }
  if (!error && !done()) error = parse_end_of_stream(scanner);
  out.finished = !error && done();
  out.error = error ? error.message() : "";
  out.status = scanner.status();
  out.keep_alive = out.finished && scanner.keep_alive();
  out.error_type = scanner.error_type_header();
  out.body_prefix = scanner.body_prefix();
  out.body_bytes = scanner.body_bytes();
  out.read_whole = scanner.read_whole();
  return out;
}

}  // namespace iuprobe::testing
