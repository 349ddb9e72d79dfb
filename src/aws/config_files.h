// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/environment.h"
#include "core/result.h"

namespace iuprobe {

using IniSection = std::map<std::string, std::string, std::less<>>;
using IniFile = std::map<std::string, IniSection, std::less<>>;

// The AWS shared-file dialect of INI: [section], key = value, '#' and ';' comments,
// indented lines under a key (nested settings) ignored. Errors name the file and line.
Result<IniFile> parse_ini(std::string_view text, std::string_view file_name);

// ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).
// A missing file is empty, not an error.
struct SharedFiles {
  IniFile config;       // sections "default" and "profile NAME"
  IniFile credentials;  // sections "NAME"
  std::string config_path, credentials_path;
};
Result<SharedFiles> load_shared_files(const EnvLookup& env);

// The profile in use: --profile, else AWS_PROFILE, else "default".
std::string profile_name(const std::optional<std::string>& flag, const EnvLookup& env);

// A profile's settings: the config file's section, overlaid by the credentials file's.
// nullopt when neither file names the profile.
std::optional<IniSection> find_profile(const SharedFiles& files, std::string_view profile);

// --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's `region`.
std::optional<std::string> resolve_region(const std::optional<std::string>& flag,
                                          const EnvLookup& env, const SharedFiles& files,
                                          std::string_view profile);

}  // namespace iuprobe
