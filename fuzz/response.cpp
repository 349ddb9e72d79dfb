// SPDX-License-Identifier: Apache-2.0
// An endpoint's response bytes, as the load session reads and classifies them: the scanner
// (status, error-type header, body prefix) fed in two reads split where the input says, by the
// session's own parse step (interim answers passed over, the scanner restarted after each), then
// the error type, the message and the outcome.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <string>

#include "fuzz_target.h"
#include "http/classify.h"
#include "http/parse_buffered.h"
#include "http/response_scanner.h"

using iuprobe::fuzzing::require;

namespace {

// What one read brings: appended to what the scanner has not consumed yet, then parsed as the
// session's read loops do (parse_buffered), up to the final answer.
bool feed(iuprobe::ResponseScanner& scanner, boost::beast::flat_buffer& buffer,
          std::string_view more) {
  if (more.empty()) return true;
  buffer.commit(boost::asio::buffer_copy(buffer.prepare(more.size()), boost::asio::buffer(more)));
  boost::system::error_code error;
  iuprobe::parse_buffered(
      scanner, buffer, [&] { return scanner.finished(); }, error);
  return !error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes = iuprobe::fuzzing::text(data + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  iuprobe::ResponseScanner scanner;
  boost::beast::flat_buffer buffer;
  if (!feed(scanner, buffer, bytes.substr(0, split))) return 0;
  if (!feed(scanner, buffer, bytes.substr(split))) return 0;
  if (!scanner.finished() && scanner.got_some()) {  // as the read loops do at the end of input
    if (iuprobe::parse_end_of_stream(scanner)) return 0;
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
