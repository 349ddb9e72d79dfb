// SPDX-License-Identifier: Apache-2.0
#include "aws/sigv4.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace iuprobe {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// RFC 3986 remove_dot_segments, plus collapsing empty segments ("//"), as the SDKs do.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  const bool trailing = !path.empty() && path.back() == '/' && !segments.empty();
  const bool dir_end = path.ends_with("/.") || path.ends_with("/..");
  if (trailing || (dir_end && !segments.empty())) out += '/';
  return out.empty() ? "/" : out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      params.emplace_back(aws_uri_encode(percent_decode(key), false),
                          aws_uri_encode(percent_decode(value), false));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and turns every run of whitespace (folded lines included) into one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool has_header(const std::vector<Header>& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return lower(h.first) == lower_name; });
}

}  // namespace

std::string Credentials::describe() const {
  std::string key = access_key_id.size() > 8 ? access_key_id.substr(0, 4) + "…" +
                                                   access_key_id.substr(access_key_id.size() - 4)
                                             : std::string("(short key)");
  return fmt::format("{}{} from {}", key, session_token.empty() ? "" : " (temporary)", source);
}

std::string aws_uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string format_amz_date(SystemTime time) {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(time)));
}

std::optional<SystemTime> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  std::tm tm{};
  const std::string s(text);
  if (strptime(s.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return std::nullopt;
  return system_time_from(timegm(&tm));
}

std::optional<SystemTime> system_time_from(std::time_t seconds) {
  constexpr auto kLatest =
      std::chrono::duration_cast<std::chrono::seconds>(SystemTime::duration::max()).count() -
      24 * 3600;
  if (seconds < 0 || seconds > kLatest) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

Sha256Digest sigv4_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service) {
  const Sha256Digest k_date = hmac_sha256("AWS4" + std::string(secret_access_key), date);
  const Sha256Digest k_region = hmac_sha256(as_view(k_date), region);
  const Sha256Digest k_service = hmac_sha256(as_view(k_region), service);
  return hmac_sha256(as_view(k_service), "aws4_request");
}

SignedRequest sigv4_sign(const SigningRequest& request, const Credentials& credentials,
                         const SigningParams& params, const Sha256Digest* signing_key) {
  SignedRequest out;
  out.amz_date = format_amz_date(params.time);
  const std::string date = out.amz_date.substr(0, 8);
  out.credential_scope = fmt::format("{}/{}/{}/aws4_request", date, params.region, params.service);

  // Headers as signed: the request's own, with X-Amz-Date set to the signing time, plus the
  // session token when the caller wants it signed.
  std::vector<Header> headers;
  headers.reserve(request.headers.size() + 2);
  for (const Header& h : request.headers) {
    if (lower(h.first) != "x-amz-date") headers.push_back(h);
  }
  headers.emplace_back("X-Amz-Date", out.amz_date);
  if (!has_header(request.headers, "x-amz-date"))
    out.headers_to_add.emplace_back("X-Amz-Date", out.amz_date);
  if (!credentials.session_token.empty() && params.sign_session_token &&
      !has_header(request.headers, "x-amz-security-token")) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  // Canonical headers: lower-case names in order, duplicate names joined with ','.
  std::vector<std::pair<std::string, std::string>> canonical;
  for (const Header& h : headers)
    canonical.emplace_back(lower(h.first), canonical_header_value(h.second));
  std::stable_sort(canonical.begin(), canonical.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && canonical[i].first == canonical[i - 1].first) {
      canonical_headers.back() = ',';  // replace the newline of the previous value
      canonical_headers += canonical[i].second;
      canonical_headers += '\n';
      continue;
    }
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += canonical[i].first;
    canonical_headers += canonical[i].first;
    canonical_headers += ':';
    canonical_headers += canonical[i].second;
    canonical_headers += '\n';
  }

  const std::string_view target = request.target;
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? "" : target.substr(question + 1);
  const std::string canonical_uri =
      aws_uri_encode(params.normalize_path ? normalize_path(path) : std::string(path), true);

  out.canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_uri, canonical_query(query),
                  canonical_headers, out.signed_headers, request.payload_hash);
  out.string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", out.amz_date,
                                   out.credential_scope, sha256_hex(out.canonical_request));
  const Sha256Digest key =
      signing_key != nullptr
          ? *signing_key
          : sigv4_signing_key(credentials.secret_access_key, date, params.region, params.service);
  out.signature = to_hex(hmac_sha256(as_view(key), out.string_to_sign));
  out.authorization = fmt::format(
      "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
      credentials.access_key_id, out.credential_scope, out.signed_headers, out.signature);
  out.headers_to_add.emplace_back("Authorization", out.authorization);
  return out;
}

}  // namespace iuprobe
