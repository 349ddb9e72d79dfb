// SPDX-License-Identifier: Apache-2.0
#include "app/sign_command.h"

#include <fmt/format.h>

#include "app/options.h"
#include "aws/sigv4.h"
#include "http/bodies.h"

namespace iuprobe {
namespace {

// The canonical request carries the session token's value; show its length instead.
std::string redact(std::string text, const std::string& token) {
  if (token.empty()) return text;
  const std::string replacement = fmt::format("<session token, {} characters>", token.size());
  for (std::size_t at = text.find(token); at != std::string::npos;
       at = text.find(token, at + replacement.size())) {
    text.replace(at, token.size(), replacement);
  }
  return text;
}

}  // namespace

Result<void> sign_command(const SignOptions& o) {
  if (o.url.empty() || o.service.empty()) {
    return fail(ErrorKind::kUsage,
                "--url and --service are required, e.g. --url "
                "https://rekognition.us-east-1.amazonaws.com/ --service rekognition");
  }
  auto url = parse_http_url(o.url);
  if (!url) return with_context(url.error(), "--url");
  SigningRequest request{.method = o.method, .target = url->target};
  bool has_host = false;
  for (const std::string& text : o.headers) {
    auto header = parse_header(text);
    if (!header) return tl::unexpected(header.error());
    has_host = has_host || header->first == "Host" || header->first == "host";
    request.headers.push_back(*header);
  }
  if (!has_host) request.headers.emplace_back("Host", url->host_header);
  std::string body;
  if (!o.body_file.empty()) {
    auto loaded = load_body_file(o.body_file, kDefaultMaxBodyBytes);
    if (!loaded) return tl::unexpected(loaded.error());
    body = std::move(loaded->bytes);
  }
  request.payload_hash = sha256_hex(body);
  SystemTime time = std::chrono::system_clock::now();
  if (!o.date.empty()) {
    auto parsed = parse_amz_date(o.date);
    if (!parsed) {
      return fail(ErrorKind::kUsage, "--date: '{}' is not YYYYMMDDTHHMMSSZ, e.g. 20150830T123600Z",
                  o.date);
    }
    time = *parsed;
  }
  auto region = choose_region(o.aws, std::nullopt, process_environment());
  if (!region) return tl::unexpected(region.error());
  auto credentials = load_credentials(o.aws);
  if (!credentials) return tl::unexpected(credentials.error());
  const auto current = (*credentials)->current();
  const SignedRequest signed_request = sigv4_sign(
      request, *current, SigningParams{.region = *region, .service = o.service, .time = time});
  fmt::print(
      "credentials\n{}\n\npayload hash (SHA-256 of {} bytes)\n{}\n\ncanonical "
      "request\n{}\n\nstring to sign\n{}\n\n"
      "headers to add\n",
      current->describe(), body.size(), request.payload_hash,
      redact(signed_request.canonical_request, current->session_token),
      signed_request.string_to_sign);
  for (const auto& [name, value] : signed_request.headers_to_add) {
    fmt::print("{}: {}\n", name, redact(value, current->session_token));
  }
  return {};
}

}  // namespace iuprobe
