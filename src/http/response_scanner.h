// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace iuprobe {

// Whether an answer with this status is an interim one, which a client passes over to the final
// answer after it (RFC 9110, section 15.2): 1xx, such as 100 Continue or 103 Early Hints, but
// not 101, which ends HTTP on the connection.
constexpr bool is_interim(unsigned status) {
  return status / 100 == 1 && status != 101;
}

// Reads one HTTP/1.1 response without storing its header fields (no allocation on the common
// path): keeps the status, the AWS error-type header and, for non-2xx answers only, the first
// kBodyPrefixLimit bytes of the body — enough to find a JSON "__type". One per request: it reads
// the interim answers before the final one too (finished()).
//
// Beast's parser reads every answer but the commonest kind, which costs it about 3,500
// instructions (callgrind, nginx's answer; a closed-loop request was 7,555 in all): a final
// status other than 204 and 304, a Content-Length and its body, plain field values, Connection
// absent or one of close and keep-alive, no Transfer-Encoding, all of it in the first bytes
// given. A stricter reader of our own takes that in one pass, in about half the instructions.
// Where it has any doubt it takes nothing, and Beast reads the answer from its first byte; where
// it does take an answer, what it reads (the status, whether the connection stays open, the
// error type, the body, the bytes used) is what Beast reads: response_scanner_test.cpp, and the
// "response" fuzz target compares the two on every input.
class ResponseScanner {
 public:
  static constexpr std::size_t kBodyPrefixLimit = 8192;
  static constexpr std::uint32_t kHeaderLimit = 64 * 1024;
  enum class Reader { kFastFirst, kBeastOnly };

  // A body of any size (only its prefix is kept), a header of up to kHeaderLimit bytes. The
  // answer to a HEAD request has no body, whatever its Content-Length says. kBeastOnly is the
  // reference the tests compare the fast reader with.
  explicit ResponseScanner(bool head_request = false, Reader reader = Reader::kFastFirst);

  // As Beast's basic_parser::put: parses what it can of `data` and returns the bytes it used;
  // need_more when the answer has not all come.
  std::size_t put(boost::asio::const_buffer data, boost::beast::error_code& error);
  // The stream ended: what that means to an answer without a length or one cut short.
  void put_eof(boost::beast::error_code& error);

  // Whether the final answer has been read. An interim answer (1xx, such as 103 Early Hints,
  // but not 101, which ends HTTP on the connection) is passed over: once it is read, the scanner
  // starts afresh on what follows it, since a client must take any number of them before the
  // final answer (RFC 9110, section 15.2). Read loops ask this, not is_done(), whether to parse
  // or read on.
  bool finished();
  bool got_some() const { return whole_ || parser_.got_some(); }
  bool is_header_done() const { return whole_ || parser_.is_header_done(); }
  // Whether the connection may carry another request after this answer.
  bool keep_alive() const { return whole_ ? whole_keep_alive_ : parser_.keep_alive(); }
  // Whether the fast reader took the answer (Beast did not see it).
  bool read_whole() const { return whole_; }

  unsigned status() const { return parser_.answer.status; }
  const std::string& error_type_header() const { return parser_.answer.error_type; }
  const std::string& body_prefix() const { return parser_.answer.body_prefix; }
  std::uint64_t body_bytes() const { return parser_.answer.body_bytes; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  // What the scanner keeps of an answer, whichever reader took it.
  struct Answer {
    unsigned status = 0;
    std::string error_type;
    std::string body_prefix;
    std::uint64_t body_bytes = 0;
    void keep(std::string_view body);
  };

  class Parser final : public boost::beast::http::basic_parser<false> {
   public:
    explicit Parser(bool head_request);
    Answer answer;

   private:
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                         error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override {
      answer.status = static_cast<unsigned>(code);
    }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                       error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}
  };

  // The fast reader: takes a whole common answer from the start of `data` and returns its size,
  // or returns 0 and leaves it to Beast.
  std::size_t take_whole(std::string_view data);

  Parser parser_;
  bool head_request_;
  Reader reader_;
  bool whole_ = false;  // the fast reader took the answer
  bool whole_keep_alive_ = false;
};

}  // namespace iuprobe
