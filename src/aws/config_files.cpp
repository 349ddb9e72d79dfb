// SPDX-License-Identifier: Apache-2.0
#include "aws/config_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/units.h"

namespace iuprobe {
namespace {

std::string home_file(const EnvLookup& env, std::string_view variable, std::string_view leaf) {
  if (auto path = env(variable); path && !path->empty()) return *path;
  const auto home = env("HOME");
  return (std::filesystem::path(home.value_or(".")) / ".aws" / leaf).string();
}

Result<IniFile> load_ini(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return IniFile{};
  std::ifstream in(path);
  if (!in) return fail(ErrorKind::kInput, "{}: cannot read it", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_ini(text.str(), path);
}

}  // namespace

Result<IniFile> parse_ini(std::string_view text, std::string_view file_name) {
  IniFile file;
  IniSection* section = nullptr;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    const std::string_view line = trim_space(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (indented) continue;  // a nested setting ("s3 =\n  max_concurrent_requests = 10")
    if (line.front() == '[') {
      if (line.back() != ']')
        return fail(ErrorKind::kInput, "{}:{}: section header '{}' lacks ']'", file_name,
                    line_number, line);
      section = &file[std::string(trim_space(line.substr(1, line.size() - 2)))];
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail(ErrorKind::kInput, "{}:{}: expected 'key = value' or '[section]', got '{}'",
                  file_name, line_number, line);
    }
    if (section == nullptr)
      return fail(ErrorKind::kInput, "{}:{}: setting outside any [section]", file_name,
                  line_number);
    (*section)[std::string(trim_space(line.substr(0, eq)))] =
        std::string(trim_space(line.substr(eq + 1)));
  }
  return file;
}

Result<SharedFiles> load_shared_files(const EnvLookup& env) {
  SharedFiles files;
  files.config_path = home_file(env, "AWS_CONFIG_FILE", "config");
  files.credentials_path = home_file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  auto config = load_ini(files.config_path);
  if (!config) return tl::unexpected(config.error());
  auto credentials = load_ini(files.credentials_path);
  if (!credentials) return tl::unexpected(credentials.error());
  files.config = std::move(*config);
  files.credentials = std::move(*credentials);
  return files;
}

std::string profile_name(const std::optional<std::string>& flag, const EnvLookup& env) {
  if (flag && !flag->empty()) return *flag;
  if (auto profile = env("AWS_PROFILE"); profile && !profile->empty()) return *profile;
  return "default";
}

std::optional<IniSection> find_profile(const SharedFiles& files, std::string_view profile) {
  std::optional<IniSection> out;
  const std::string config_name =
      profile == "default" ? "default" : "profile " + std::string(profile);
  if (auto it = files.config.find(config_name); it != files.config.end()) out = it->second;
  // The config file also accepts [default] spelled [profile default].
  if (!out && profile == "default") {
    if (auto it = files.config.find("profile default"); it != files.config.end()) out = it->second;
  }
  if (auto it = files.credentials.find(profile); it != files.credentials.end()) {
    if (!out) out.emplace();
    for (const auto& [key, value] : it->second) (*out)[key] = value;
  }
  return out;
}

std::optional<std::string> resolve_region(const std::optional<std::string>& flag,
                                          const EnvLookup& env, const SharedFiles& files,
                                          std::string_view profile) {
  if (flag && !flag->empty()) return *flag;
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto region = env(variable); region && !region->empty()) return *region;
  }
  if (auto section = find_profile(files, profile)) {
    if (auto it = section->find("region"); it != section->end() && !it->second.empty())
      return it->second;
  }
  return std::nullopt;
}

}  // namespace iuprobe
