// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>

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
class ResponseScanner final : public boost::beast::http::basic_parser<false> {
 public:
  static constexpr std::size_t kBodyPrefixLimit = 8192;
  static constexpr std::uint32_t kHeaderLimit = 64 * 1024;

  // A body of any size (only its prefix is kept), a header of up to kHeaderLimit bytes. The
  // answer to a HEAD request has no body, whatever its Content-Length says.
  explicit ResponseScanner(bool head_request = false) {
    body_limit(boost::none);
    header_limit(kHeaderLimit);
    skip(head_request);
  }

  // Whether the final answer has been read. An interim answer (1xx, such as 103 Early Hints,
  // but not 101, which ends HTTP on the connection) is passed over: once it is read, the scanner
  // starts afresh on what follows it, since a client must take any number of them before the
  // final answer (RFC 9110, section 15.2). Read loops ask this, not is_done(), whether to parse
  // or read on.
  bool finished() {
    if (!is_done()) return false;
    if (!is_interim(status_)) return true;
    restart();
    return false;
  }

  unsigned status() const { return status_; }
  const std::string& error_type_header() const { return error_type_; }
  const std::string& body_prefix() const { return body_prefix_; }
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  std::size_t keep(string_view body);
  void restart();  // on the answer after an interim one, as a new scanner would

  unsigned status_ = 0;
  std::string error_type_;
  std::string body_prefix_;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace iuprobe
