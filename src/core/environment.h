// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace iuprobe {

// Reads environment variables; tests pass a map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();
EnvLookup environment_from(std::map<std::string, std::string, std::less<>> values);

}  // namespace iuprobe
