// SPDX-License-Identifier: Apache-2.0
// A signed request as the emulator checks it: raw HTTP from anyone on loopback, parsed by Beast,
// then the SigV4 verifier (Authorization parsing, the canonical request, the signature) with
// the key of AWS's SigV4 test suite, whose signed requests seed the corpus. The clock is the
// request's own X-Amz-Date when it has one, so that the signature itself is checked.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "aws/crypto.h"
#include "emulator/request_auth.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (!error && !parser.is_done() && parser.got_some()) parser.put_eof(error);
  if (error || !parser.is_done()) return 0;
  const iuprobe::HttpRequest& request = parser.get();

  static iuprobe::SignatureVerifier verifier(
      {{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}, "us-east-1", "service");
  const auto date = iuprobe::parse_amz_date(std::string_view(request["X-Amz-Date"]));
  const iuprobe::SystemTime now = date.value_or(iuprobe::SystemTime{});
  const std::string hash = iuprobe::sha256_hex(request.body());
  const auto first = verifier.verify(request, hash, now);
  // The second time, the signing key comes from the verifier's cache: the same verdict.
  const auto second = verifier.verify(request, hash, now);
  iuprobe::fuzzing::require(
      first.has_value() == second.has_value() && (!first || first->type == second->type),
      "a cached signing key gives the same verdict");
  return 0;
}
