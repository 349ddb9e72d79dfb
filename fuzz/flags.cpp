// SPDX-License-Identifier: Apache-2.0
// The parsers behind command-line flags and headers: durations, sizes, rates and rate lists,
// numbers, URLs, listen addresses, "Name: value" headers and X-Amz-Date. The first byte picks
// the parser, the rest is the text.
#include "aws/sigv4.h"
#include "core/units.h"
#include "fuzz_target.h"
#include "http/request_source.h"
#include "http/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text = iuprobe::fuzzing::text(data + 1, size - 1);
  using iuprobe::fuzzing::require;
  switch (data[0] % 9) {
    case 0:
      if (auto d = iuprobe::parse_duration(text))
        require(d->count() >= 0, "durations are not negative");
      break;
    case 1:
      (void)iuprobe::parse_size(text);
      break;
    case 2:
      if (auto r = iuprobe::parse_rate(text)) require(*r > 0, "rates are positive");
      break;
    case 3:
      (void)iuprobe::parse_rate_list(text);
      break;
    case 4:
      (void)iuprobe::parse_number(text);
      break;
    case 5:
      if (auto url = iuprobe::parse_http_url(text))
        require(!url->host_header.empty(), "a URL has a host");
      break;
    case 6:
      (void)iuprobe::parse_listen_address(text, "--listen");
      break;
    case 7:
      if (auto header = iuprobe::parse_header(text)) {
        require(!header->first.empty(), "a header has a name");
        require(header->second.find_first_of("\r\n") == std::string::npos,
                "a header value has no line break");
      }
      break;
    default:
      (void)iuprobe::parse_amz_date(text);
      break;
  }
  return 0;
}
