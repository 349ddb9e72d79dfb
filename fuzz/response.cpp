// SPDX-License-Identifier: Apache-2.0
// An endpoint's response bytes, as the load session reads and classifies them: the scanner
// (status, error-type header, body prefix) fed in two reads split where the input says, then
// the error type, the message and the outcome.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

#include "fuzz_target.h"
#include "http/classify.h"
#include "http/response_scanner.h"

using iuprobe::fuzzing::require;

namespace {

// Feeds `more` to the scanner after what it has not consumed yet, as beast's read loop does:
// only once more bytes came (a parser that said need_more may not be given the same bytes
// again; Beast asserts that it is not, and its read loop reads before it parses again).
bool feed(iuprobe::ResponseScanner& scanner, std::string& pending, std::string_view more) {
  if (more.empty()) return true;
  pending.append(more);
  boost::beast::error_code error;
  while (!pending.empty() && !scanner.is_done()) {
    const std::size_t used = scanner.put(boost::asio::buffer(pending), error);
    pending.erase(0, used);
    if (error == boost::beast::http::error::need_more) return true;
    if (error) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes = iuprobe::fuzzing::text(data + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  iuprobe::ResponseScanner scanner;
  std::string pending;
  if (!feed(scanner, pending, bytes.substr(0, split))) return 0;
  if (!feed(scanner, pending, bytes.substr(split))) return 0;
  if (!scanner.is_done() && scanner.got_some()) {  // as Beast's read does at the end of input
    boost::beast::error_code error;
    scanner.put_eof(error);
    if (error) return 0;
  }
  require(scanner.body_prefix().size() <= iuprobe::ResponseScanner::kBodyPrefixLimit,
          "the body prefix stays within its limit");
  require(scanner.body_prefix().size() <= scanner.body_bytes(), "the prefix is part of the body");
  const std::string type =
      iuprobe::error_type_of(scanner.error_type_header(), scanner.body_prefix());
  const std::string message = iuprobe::error_message_of(scanner.body_prefix());
  const iuprobe::Outcome outcome =
      iuprobe::classify_response(scanner.status(), type, iuprobe::ThrottleRules{});
  if (scanner.status() == 429) {
    require(outcome == iuprobe::Outcome::kThrottled, "a 429 is a throttle, whatever its body");
  }
  require(message.size() <= scanner.body_prefix().size(), "the message comes from the body");
  return 0;
}
