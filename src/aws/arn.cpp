// SPDX-License-Identifier: Apache-2.0
#include "aws/arn.h"

#include <algorithm>
#include <vector>

namespace iuprobe {
namespace {

constexpr std::string_view kExample =
    "arn:aws:rekognition:us-east-1:123456789012:project/my-project/version/"
    "my-project.2024-01-01T00.00.00/1700000000000";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool all_of(std::string_view text, bool (*ok)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), ok);
}
bool lower_digit_dash(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Checks "arn:PARTITION:rekognition:REGION:ACCOUNT:" and returns the resource part.
Result<std::string_view> check_prefix(std::string_view text, std::vector<std::string_view>& fields,
                                      std::string_view what) {
  fields = split(text, ':');
  if (fields.size() != 6) {
    return fail(ErrorKind::kUsage,
                "'{}' is not a {} ARN: expected 6 ':'-separated fields, found {}; it looks like {}",
                text, what, fields.size(), kExample);
  }
  if (fields[0] != "arn")
    return fail(ErrorKind::kUsage, "'{}': an ARN starts with 'arn:', not '{}:'", text, fields[0]);
  if (!all_of(fields[1], lower_digit_dash))
    return fail(ErrorKind::kUsage, "'{}': partition '{}' is not valid (e.g. aws)", text, fields[1]);
  if (fields[2] != "rekognition") {
    return fail(ErrorKind::kUsage,
                "'{}': service is '{}', but a Custom Labels model is a 'rekognition' resource",
                text, fields[2]);
  }
  if (!all_of(fields[3], lower_digit_dash)) {
    return fail(ErrorKind::kUsage, "'{}': region '{}' is not valid (e.g. us-east-1)", text,
                fields[3]);
  }
  if (fields[4].size() != 12 || !all_of(fields[4], digit)) {
    return fail(ErrorKind::kUsage, "'{}': account '{}' must be 12 digits", text, fields[4]);
  }
  return fields[5];
}

Result<void> check_name(std::string_view text, std::string_view label, std::string_view name) {
  if (name.empty() || name.size() > 255 || !all_of(name, name_char)) {
    return fail(ErrorKind::kUsage,
                "'{}': {} name '{}' must be 1-255 letters, digits, '_', '.' or '-'", text, label,
                name);
  }
  return {};
}

}  // namespace

Result<ProjectVersionArn> parse_project_version_arn(std::string_view text) {
  std::vector<std::string_view> fields;
  auto resource = check_prefix(text, fields, "model (project version)");
  if (!resource) return tl::unexpected(resource.error());
  const auto parts = split(*resource, '/');
  if (parts.size() != 5 || parts[0] != "project" || parts[2] != "version") {
    return fail(
        ErrorKind::kUsage,
        "'{}': resource '{}' should be project/NAME/version/VERSION/TIMESTAMP (this may be a "
        "project "
        "ARN; the model's ARN is in the console under the model, or in describe-project-versions)",
        text, *resource);
  }
  if (auto ok = check_name(text, "project", parts[1]); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_name(text, "version", parts[3]); !ok) return tl::unexpected(ok.error());
  if (!all_of(parts[4], digit))
    return fail(ErrorKind::kUsage, "'{}': timestamp '{}' must be digits", text, parts[4]);
  return ProjectVersionArn{.text = std::string(text),
                           .partition = std::string(fields[1]),
                           .region = std::string(fields[3]),
                           .account = std::string(fields[4]),
                           .project = std::string(parts[1]),
                           .version = std::string(parts[3]),
                           .created = std::string(parts[4])};
}

Result<std::string> check_project_arn(std::string_view text) {
  std::vector<std::string_view> fields;
  auto resource = check_prefix(text, fields, "project");
  if (!resource) return tl::unexpected(resource.error());
  const auto parts = split(*resource, '/');
  if (parts.size() != 3 || parts[0] != "project") {
    return fail(ErrorKind::kUsage, "'{}': resource '{}' should be project/NAME/TIMESTAMP", text,
                *resource);
  }
  if (auto ok = check_name(text, "project", parts[1]); !ok) return tl::unexpected(ok.error());
  if (!all_of(parts[2], digit))
    return fail(ErrorKind::kUsage, "'{}': timestamp '{}' must be digits", text, parts[2]);
  return std::string(text);
}

}  // namespace iuprobe
