// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stats/outcome.h"

namespace iuprobe {

// What counts as "throttled": a status code in `statuses`, or an AWS-style error whose type
// (x-amzn-ErrorType header, else the JSON body's "__type") is in `error_types`.
struct ThrottleRules {
  std::vector<unsigned> statuses{429};
  std::vector<std::string> error_types{"ProvisionedThroughputExceededException",
                                       "ThrottlingException", "LimitExceededException"};
};

// botocore's normalisation: "aws.protocols#ThrottlingException:http://..." ->
// "ThrottlingException".
std::string_view normalize_error_type(std::string_view raw);

// The normalised error type of an error response, or "" if it carries none.
std::string error_type_of(std::string_view header_value, std::string_view body);

// The JSON body's "Message" (or "message"), or "" — for advice, never for classification.
std::string error_message_of(std::string_view body);

// A response that was neither ok nor throttled, as a run sees it.
struct ErrorInfo {
  unsigned status = 0;
  std::string_view type;       // normalised error type, may be empty
  std::string_view message;    // from the body, may be empty
  std::string_view body_name;  // the file whose body was sent, may be empty
};

Outcome classify_response(unsigned status, std::string_view error_type, const ThrottleRules& rules);

}  // namespace iuprobe
