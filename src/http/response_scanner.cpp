// SPDX-License-Identifier: Apache-2.0
#include "http/response_scanner.h"

#include <algorithm>
#include <array>
#include <bit>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <optional>

namespace iuprobe {
namespace {

// RFC 9110's tchar: what a field name is made of (Beast's table, written out).
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> table{};
  for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  return table;
}();

// What a field value or a reason phrase may hold: HTAB, SP, VCHAR and obs-text (RFC 9110,
// section 5.5; all but the other control characters, as Beast's parser has it).
constexpr std::array<bool, 256> kTextChar = [] {
  std::array<bool, 256> table{};
  table['\t'] = true;
  for (int c = 0x20; c < 0x7f; ++c) table[c] = true;
  for (int c = 0x80; c < 0x100; ++c) table[c] = true;
  return table;
}();

// The fast reader looks this far for the end of a header; a longer one is Beast's. Within
// Beast's own limit, so that it never takes a header Beast would refuse as too long.
constexpr std::size_t kWholeHeaderLimit = 8192;
static_assert(kWholeHeaderLimit <= ResponseScanner::kHeaderLimit);
constexpr std::size_t kMaxLengthDigits = 19;  // any number of 19 digits fits 64 bits

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Where the run of `table`'s characters that starts at `at` ends, before `limit`.
std::size_t skip(std::string_view data, std::size_t at, std::size_t limit,
                 const std::array<bool, 256>& table) {
  while (at < limit && table[static_cast<unsigned char>(data[at])]) ++at;
  return at;
}

// skip() for text characters, eight bytes at a time while none of them is a control character
// (below 0x20, or 0x7f), as is most of a field value. In the word that holds one, the lowest
// marked byte is the first control character (a borrow can only mark bytes above a true one),
// nearly always the CR that ends the line: from there, HTAB aside, a byte at a time.
std::size_t skip_text(std::string_view data, std::size_t at, std::size_t limit) {
  static_assert(std::endian::native == std::endian::little);
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  while (at + 8 <= limit) {
    std::uint64_t word = 0;
    std::memcpy(&word, data.data() + at, sizeof word);
    const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
    const std::uint64_t del = word ^ (kOnes * 0x7f);  // a zero byte where word has 0x7f
    const std::uint64_t marked = below_space | ((del - kOnes) & ~del & kHighBits);
    if (marked != 0) {
      at += static_cast<std::size_t>(std::countr_zero(marked)) / 8;
      break;
    }
    at += sizeof word;
  }
  return skip(data, at, limit, kTextChar);
}

// Whether `text` (a field's name or value) is `known`, written in lower case, in any case.
// Setting a byte's 0x20 bit folds only upper-case letters onto the lower-case ones `known` is
// made of; its one other character, '-', could only be matched by a CR, which neither a name
// nor a value holds. (Beast's iequals, a call per compare, cost more than the rest of a field.)
template <std::size_t N>
bool is(std::string_view text, const char (&known)[N]) {
  if (text.size() != N - 1) return false;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    if ((static_cast<unsigned char>(text[i]) | 0x20U) != static_cast<unsigned char>(known[i]))
      return false;
  }
  return true;
}

bool crlf_at(std::string_view data, std::size_t at, std::size_t limit) {
  return at + 2 <= limit && data[at] == '\r' && data[at + 1] == '\n';
}

}  // namespace

ResponseScanner::Parser::Parser(bool head_request) {
  body_limit(boost::none);
  header_limit(kHeaderLimit);
  skip(head_request);
}

void ResponseScanner::Parser::on_field_impl(boost::beast::http::field, string_view name,
                                            string_view value, error_code&) {
  if (boost::beast::iequals(name, "x-amzn-ErrorType"))
    answer.error_type.assign(value.data(), value.size());
}

std::size_t ResponseScanner::Parser::on_body_impl(string_view body, error_code&) {
  answer.keep({body.data(), body.size()});
  return body.size();
}

std::size_t ResponseScanner::Parser::on_chunk_body_impl(std::uint64_t, string_view body,
                                                        error_code&) {
  answer.keep({body.data(), body.size()});
  return body.size();
}

void ResponseScanner::Answer::keep(std::string_view body) {
  body_bytes += body.size();
  if (status < 200 || status >= 300) {
    const std::size_t room = kBodyPrefixLimit - std::min(kBodyPrefixLimit, body_prefix.size());
    body_prefix.append(body.data(), std::min(room, body.size()));
  }
}

ResponseScanner::ResponseScanner(bool head_request, Reader reader)
    : parser_(head_request), head_request_(head_request), reader_(reader) {}

std::size_t ResponseScanner::put(boost::asio::const_buffer data, error_code& error) {
  if (whole_) {
    error = boost::beast::http::error::stale_parser;  // as Beast's parser says after its end
    return 0;
  }
  if (reader_ == Reader::kFastFirst && !head_request_ && !parser_.got_some()) {
    if (const std::size_t used = take_whole({static_cast<const char*>(data.data()), data.size()})) {
      error = {};
      return used;
    }
  }
  return parser_.put(data, error);
}

void ResponseScanner::put_eof(error_code& error) {
  if (whole_) {
    error = {};  // the answer ended by its length; Beast's parser never saw it
    return;
  }
  parser_.put_eof(error);
}

bool ResponseScanner::finished() {
  if (whole_) return true;  // the fast reader takes final answers only
  if (!parser_.is_done()) return false;
  if (!is_interim(status())) return true;
  *this = ResponseScanner(head_request_, reader_);  // on the answer after it, as a new scanner
  return false;
}

// (Views are made from pointers, not substr(), whose range check is a call per field.)
// Each check below that fails leaves the answer to Beast, which then reads it from its first
// byte: its verdict on anything unusual (an error, or a reading this one would not have made)
// is the one that counts.
std::size_t ResponseScanner::take_whole(std::string_view data) {
  // The status line: HTTP/1.1 or 1.0, three digits, a reason phrase, CRLF. An interim answer,
  // 204 and 304 have no body whatever their Content-Length says.
  if (data.size() < 13 || !data.starts_with("HTTP/1.") || (data[7] != '0' && data[7] != '1') ||
      data[8] != ' ' || !is_digit(data[9]) || !is_digit(data[10]) || !is_digit(data[11]) ||
      data[12] != ' ')
    return 0;
  const bool http11 = data[7] == '1';
  const auto status =
      static_cast<unsigned>((data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0'));
  if (status < 200 || status == 204 || status == 304) return 0;
  const std::size_t limit = std::min(data.size(), kWholeHeaderLimit);
  std::size_t at = skip_text(data, 13, limit);
  if (!crlf_at(data, at, limit)) return 0;
  at += 2;

  std::optional<std::uint64_t> length;
  bool close = false;       // Connection: close
  bool keep_alive = false;  // Connection: keep-alive
  std::optional<std::string_view> error_type;
  while (true) {
    if (crlf_at(data, at, limit)) {  // the end of the header
      at += 2;
      break;
    }
    // name ":" OWS value OWS CRLF
    const std::size_t name_at = at;
    at = skip(data, at, limit, kTokenChar);
    if (at == name_at || at == limit || data[at] != ':') return 0;
    const std::string_view name(data.data() + name_at, at - name_at);
    ++at;
    while (at < limit && is_space(data[at])) ++at;
    const std::size_t value_at = at;
    at = skip_text(data, at, limit);
    if (!crlf_at(data, at, limit)) return 0;
    std::size_t value_end = at;
    while (value_end > value_at && is_space(data[value_end - 1])) --value_end;
    const std::string_view value(data.data() + value_at, value_end - value_at);
    at += 2;  // an obs-fold's next line starts with white space, which no name does

    if (is(name, "content-length")) {
      // Beast also takes a list of equal lengths; one plain number is all this reader takes.
      if (length || value.empty() || value.size() > kMaxLengthDigits ||
          !std::all_of(value.begin(), value.end(), is_digit))
        return 0;
      length = 0;
      for (const char c : value) *length = *length * 10 + static_cast<unsigned>(c - '0');
    } else if (is(name, "connection") || is(name, "proxy-connection")) {
      // Beast reads both as Connection; a list of options is its to read.
      if (is(value, "close")) {
        close = true;
      } else if (is(value, "keep-alive")) {
        keep_alive = true;
      } else {
        return 0;
      }
    } else if (is(name, "transfer-encoding")) {
      return 0;
    } else if (is(name, "x-amzn-errortype")) {
      error_type = value;  // the last one, as Beast's field callback leaves it
    }
  }
  // Without a length the body runs to the end of the stream; a body not all here yet is read
  // as it comes.
  if (!length || data.size() - at < *length) return 0;

  Answer& answer = parser_.answer;
  answer.status = status;
  if (error_type) answer.error_type.assign(error_type->data(), error_type->size());
  answer.keep({data.data() + at, *length});
  // Beast's keep_alive(): HTTP/1.1 unless closed, HTTP/1.0 only when asked.
  whole_keep_alive_ = http11 ? !close : keep_alive;
  whole_ = true;
  return at + *length;
}

}  // namespace iuprobe
