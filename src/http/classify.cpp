// SPDX-License-Identifier: Apache-2.0
#include "http/classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace iuprobe {

std::string_view normalize_error_type(std::string_view raw) {
  if (auto colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
  if (auto hash = raw.rfind('#'); hash != std::string_view::npos) raw = raw.substr(hash + 1);
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  return raw;
}

namespace {

// <Code>X</Code> in an XML error body (query-protocol services, and some AWS look-alikes).
std::string xml_element(std::string_view body, std::string_view name) {
  const std::string open = fmt::format("<{}>", name);
  const std::size_t start = body.find(open);
  if (start == std::string_view::npos) return {};
  const std::size_t end = body.find(fmt::format("</{}>", name), start);
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(start + open.size(), end - start - open.size()));
}

}  // namespace

std::string error_type_of(std::string_view header_value, std::string_view body) {
  if (!header_value.empty()) return std::string(normalize_error_type(header_value));
  if (body.starts_with("<")) return std::string(normalize_error_type(xml_element(body, "Code")));
  if (body.empty() || body.front() != '{') return {};
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(body, ec);
  if (ec || !json.is_object()) return {};
  for (const char* key : {"__type", "code", "Code"}) {
    if (const boost::json::value* type = json.as_object().if_contains(key);
        type != nullptr && type->is_string()) {
      return std::string(normalize_error_type(type->get_string()));
    }
  }
  return {};
}

std::string error_message_of(std::string_view body) {
  if (body.starts_with("<")) return xml_element(body, "Message");
  if (body.empty() || body.front() != '{') return {};
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(body, ec);
  if (ec || !json.is_object()) return {};
  for (const char* key : {"Message", "message"}) {
    if (const boost::json::value* message = json.as_object().if_contains(key);
        message != nullptr && message->is_string()) {
      return std::string(message->get_string());
    }
  }
  return {};
}

Outcome classify_response(unsigned status, std::string_view error_type,
                          const ThrottleRules& rules) {
  if (status >= 200 && status < 300) return Outcome::kOk;
  if (std::find(rules.statuses.begin(), rules.statuses.end(), status) != rules.statuses.end()) {
    return Outcome::kThrottled;
  }
  if (!error_type.empty() && std::find(rules.error_types.begin(), rules.error_types.end(),
                                       error_type) != rules.error_types.end()) {
    return Outcome::kThrottled;
  }
  if (status >= 400 && status < 500) return Outcome::kClientError;
  return Outcome::kServerError;
}

}  // namespace iuprobe
