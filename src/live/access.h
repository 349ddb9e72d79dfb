// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/server.h"

namespace iuprobe {

// Who may use the dashboard. On loopback (the default) anyone on this machine may, but only
// through an address: a Host name other than localhost is refused, so a web page elsewhere cannot
// reach the dashboard by pointing its own name at 127.0.0.1 (DNS rebinding). With
// --web-allow-remote, every request must also carry the token iuprobe printed, as ?token= or
// "Authorization: Bearer". A POST whose Origin is not the dashboard itself is refused either way,
// so no other site can press Stop.
struct AccessDecision {
  bool allowed = true;
  unsigned status = 200;  // 401, 403 when refused
  std::string reason;
};

AccessDecision check_access(const HttpRequest& request, std::string_view token);

// 32 hex digits from the system's secure random source.
Result<std::string> make_access_token();

// The request target's path, without query, and the value of one query parameter.
std::string target_path(std::string_view target);
std::string query_parameter(std::string_view target, std::string_view name);

}  // namespace iuprobe
