// SPDX-License-Identifier: Apache-2.0
// An endpoint's response bytes, as the load session reads and classifies them: the scanner
// (status, error-type header, body prefix) fed in two reads split where the input says, by the
// session's own parse step (interim answers passed over, the scanner restarted after each), then
// the error type, the message and the outcome. And the scanner's fast reader against Beast's
// parser alone: wherever the fast reader takes an answer, its outcome must be Beast's (it sees
// the answer whole when the split is at either end: the seeds named fast-* are split at 0).
#include <string>

#include "fuzz_target.h"
#include "http/classify.h"
#include "http/response_scanner.h"
#include "testing/scan_answer.h"

using iuprobe::fuzzing::require;
using iuprobe::testing::scan_answer;
using Reader = iuprobe::ResponseScanner::Reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes = iuprobe::fuzzing::text(data + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  require(!scan_answer(bytes, split, Reader::kFastFirst, true).read_whole,
          "the answer to a HEAD is Beast's to read");
  const auto read = scan_answer(bytes, split, Reader::kFastFirst);
  auto beast = scan_answer(bytes, split, Reader::kBeastOnly);
  beast.read_whole = read.read_whole;
  require(read == beast, "the fast reader reads an answer as Beast's parser does");

  if (!read.error.empty()) return 0;
  require(read.body_prefix.size() <= iuprobe::ResponseScanner::kBodyPrefixLimit,
          "the body prefix stays within its limit");
  require(read.body_prefix.size() <= read.body_bytes, "the prefix is part of the body");
  const std::string type = iuprobe::error_type_of(read.error_type, read.body_prefix);
  const std::string message = iuprobe::error_message_of(read.body_prefix);
  const iuprobe::Outcome outcome =
      iuprobe::classify_response(read.status, type, iuprobe::ThrottleRules{});
  if (read.status == 429) {
    require(outcome == iuprobe::Outcome::kThrottled, "a 429 is a throttle, whatever its body");
  }
  require(message.size() <= read.body_prefix.size(), "the message comes from the body");
  return 0;
}
