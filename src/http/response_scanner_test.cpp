// SPDX-License-Identifier: Apache-2.0
#include "http/response_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "testing/scan_answer.h"

namespace iuprobe {
namespace {

using testing::scan_answer;
using testing::ScannedAnswer;
using Reader = ResponseScanner::Reader;

std::string with_length(std::string head, std::string_view body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// The fast reader's outcome is Beast's, for the answer whole in one read and split in two at
// every byte (where the fast reader sees only a part, and must leave the answer to Beast).
void expect_same_as_beast(std::string_view answer, bool head_request = false) {
  for (std::size_t split = 0; split <= answer.size(); ++split) {
    const ScannedAnswer fast = scan_answer(answer, split, Reader::kFastFirst, head_request);
    ScannedAnswer beast = scan_answer(answer, split, Reader::kBeastOnly, head_request);
    beast.read_whole = fast.read_whole;
    ASSERT_EQ(fast, beast) << "split at " << split << " of:\n" << answer;
  }
}

bool taken_whole(std::string_view answer, bool head_request = false) {
  return scan_answer(answer, answer.size(), Reader::kFastFirst, head_request).read_whole;
}

const std::string kNginx =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 07:00:00 GMT\r\n"
    "Content-Type: application/octet-stream\r\nContent-Length: 6\r\nConnection: keep-alive\r\n\r\n"
    "hello\n";

TEST(ResponseScanner, TakesNginxsAnswerInOnePassAndReadsItAsBeastDoes) {
  ASSERT_TRUE(taken_whole(kNginx));
  const ScannedAnswer read = scan_answer(kNginx, kNginx.size(), Reader::kFastFirst);
  EXPECT_TRUE(read.finished);
  EXPECT_EQ(read.status, 200u);
  EXPECT_TRUE(read.keep_alive);
  EXPECT_EQ(read.parsed, kNginx.size());
  EXPECT_EQ(read.body_bytes, 6u);
  EXPECT_EQ(read.body_prefix, "");  // kept for errors only
  expect_same_as_beast(kNginx);
}

TEST(ResponseScanner, TakesAnAwsErrorWithItsTypeAndBody) {
  const std::string answer = with_length(
      "HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: 8f1c\r\n"
      "x-amzn-ErrorType: ProvisionedThroughputExceededException:http://internal.amazon.com/\r\n"
      "Content-Type: application/x-amz-json-1.1\r\n",
      R"({"__type":"ProvisionedThroughputExceededException","message":"slow down"})");
  ASSERT_TRUE(taken_whole(answer));
  const ScannedAnswer read = scan_answer(answer, answer.size(), Reader::kFastFirst);
  EXPECT_EQ(read.status, 400u);
  EXPECT_EQ(read.error_type, "ProvisionedThroughputExceededException:http://internal.amazon.com/");
  EXPECT_NE(read.body_prefix.find("slow down"), std::string::npos);
  expect_same_as_beast(answer);
}

// Each of these is a common answer with one twist the fast reader must read as Beast does.
TEST(ResponseScanner, ReadsTheCommonAnswersVariationsAsBeastDoes) {
  const std::string cases[] = {
      // the connection's fate, by version and Connection field
      with_length("HTTP/1.1 200 OK\r\nConnection: close\r\n", "ok"),
      with_length("HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nConnection: keep-alive\r\n", "ok"),
      with_length("HTTP/1.0 200 OK\r\n", "ok"),
      with_length("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", "ok"),
      with_length("HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\n", "ok"),
      with_length("HTTP/1.1 200 OK\r\nProxy-Connection: close\r\n", "ok"),
      // white space, case, an empty reason, obs-text, an empty body, a status above 599
      "HTTP/1.1 200 \r\ncontent-length: \t 2 \t\r\n\r\nok",
      with_length("HTTP/1.1 503 Service Unavailable\r\nX-AMZN-ERRORTYPE:Busy \r\n", ""),
      with_length("HTTP/1.1 429 Too Many\r\nx-amzn-ErrorType: A\r\nx-amzn-ErrorType: B\r\n", "x"),
      with_length("HTTP/1.1 200 Caf\xc3\xa9\r\nX-Note: d\xe9j\xe0 vu\r\n", "ok"),
      with_length("HTTP/1.1 799 Odd\r\n", "??"),
      "HTTP/1.1 200 OK\r\nContent-Length: 0002\r\n\r\nok",
      // what comes after the answer is the next one's
      with_length("HTTP/1.1 200 OK\r\n", "ok") + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  };
  for (const std::string& answer : cases) {
    EXPECT_TRUE(taken_whole(answer)) << answer;
    expect_same_as_beast(answer);
  }
}

// Anything the fast reader has a doubt about is Beast's to read, from the answer's first byte.
TEST(ResponseScanner, LeavesEveryOtherAnswerToBeast) {
  const std::string cases[] = {
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end of the stream",
      with_length("HTTP/1.1 204 No Content\r\n", "ok"),  // no body: "ok" is the next answer's
      with_length("HTTP/1.1 304 Not Modified\r\n", "ok"),
      "HTTP/1.1 199 Odd\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-Long: a\r\n folded\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok",  // the rest has not come
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r",
      "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
      "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nX-Bad: a\x01z\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok",
      "HTTP/1.1 200 OK\r\n: empty name\r\nContent-Length: 2\r\n\r\nok",
      with_length("HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'b') + "\r\n", "ok"),
  };
  for (const std::string& answer : cases) {
    EXPECT_FALSE(taken_whole(answer)) << answer;
    expect_same_as_beast(answer);
  }
}

// The answer to a HEAD has no body, whatever its Content-Length says: what follows its header
// (here two bytes, as if a body) is the next answer's.
TEST(ResponseScanner, LeavesTheAnswerToAHeadRequestToBeast) {
  const std::string answer = with_length("HTTP/1.1 200 OK\r\n", "ok");
  EXPECT_FALSE(taken_whole(answer, true));
  const ScannedAnswer read = scan_answer(answer, answer.size(), Reader::kFastFirst, true);
  EXPECT_TRUE(read.finished);
  EXPECT_EQ(read.body_bytes, 0u);
  EXPECT_EQ(read.parsed, answer.size() - 2);
  expect_same_as_beast(answer, true);
}

// A control character anywhere in a field value or the reason phrase (where the value is read
// eight bytes at a time, and where it is read a byte at a time), and a name with a separator or
// a byte above 0x7f in it: Beast refuses them all, and the fast reader must not take them.
TEST(ResponseScanner, LeavesEveryControlCharacterAndEveryNonTokenNameToBeast) {
  const std::string plain(24, 'v');
  for (const char bad : {'\x00', '\x01', '\n', '\r', '\x1f', '\x7f'}) {
    for (std::size_t at = 0; at < 16; ++at) {
      std::string value = plain;
      value[at] = bad;
      for (const std::string& answer :
           {with_length("HTTP/1.1 200 OK\r\nX-Value: " + value + "\r\n", "ok"),
            with_length("HTTP/1.1 200 " + value + "\r\n", "ok")}) {
        EXPECT_FALSE(taken_whole(answer)) << "byte " << int(bad) << " at " << at;
        const ScannedAnswer fast = scan_answer(answer, answer.size(), Reader::kFastFirst);
        const ScannedAnswer beast = scan_answer(answer, answer.size(), Reader::kBeastOnly);
        EXPECT_EQ(fast, beast) << "byte " << int(bad) << " at " << at;
      }
    }
  }
  for (const char separator : std::string_view("\"(),/;<=>?@[\\]{} \t\x80\xff")) {
    const std::string answer =
        with_length("HTTP/1.1 200 OK\r\nX" + std::string(1, separator) + "Y: 1\r\n", "ok");
    EXPECT_FALSE(taken_whole(answer)) << "name with byte " << int(separator);
    expect_same_as_beast(answer);
  }
  // HTAB is text, in a value as in a reason phrase.
  const std::string tabbed =
      with_length("HTTP/1.1 200 O\tK\r\nX-Value: a\tb" + plain + "\r\n", "ok");
  EXPECT_TRUE(taken_whole(tabbed));
  expect_same_as_beast(tabbed);
}

// The end of the stream after a whole answer changes nothing (a read loop asks finished()
// first, but the scanner does not rely on it).
TEST(ResponseScanner, TheEndOfTheStreamAfterAWholeAnswerIsNoError) {
  ResponseScanner scanner;
  boost::beast::error_code error;
  ASSERT_EQ(scanner.put(boost::asio::buffer(kNginx), error), kNginx.size());
  ASSERT_TRUE(scanner.read_whole());
  scanner.put_eof(error);
  EXPECT_FALSE(error);
  EXPECT_TRUE(scanner.finished());
}

// Beast reads the interim answer; the final one after it is a common answer again.
TEST(ResponseScanner, TakesTheFinalAnswerAfterAnInterimOne) {
  const std::string answer = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
                             with_length("HTTP/1.1 200 OK\r\n", "ok");
  const ScannedAnswer read = scan_answer(answer, answer.size(), Reader::kFastFirst);
  EXPECT_TRUE(read.read_whole);
  EXPECT_EQ(read.status, 200u);
  EXPECT_EQ(read.parsed, answer.size());
  expect_same_as_beast(answer);
}

}  // namespace
}  // namespace iuprobe
