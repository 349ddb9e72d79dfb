// SPDX-License-Identifier: Apache-2.0
#include "http/response_scanner.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace iuprobe {

void ResponseScanner::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                    error_code&) {
  if (boost::beast::iequals(name, "x-amzn-ErrorType"))
    error_type_.assign(value.data(), value.size());
}

void ResponseScanner::restart() {
  *this = ResponseScanner(skip());
}

std::size_t ResponseScanner::keep(string_view body) {
  body_bytes_ += body.size();
  if (status_ < 200 || status_ >= 300) {
    const std::size_t room = kBodyPrefixLimit - std::min(kBodyPrefixLimit, body_prefix_.size());
    body_prefix_.append(body.data(), std::min(room, body.size()));
  }
  return body.size();
}

std::size_t ResponseScanner::on_body_impl(string_view body, error_code&) {
  return keep(body);
}

std::size_t ResponseScanner::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  return keep(body);
}

}  // namespace iuprobe
