// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "core/units.h"

namespace iuprobe {

// 1234567 -> "1,234,567"
std::string with_commas(std::uint64_t n);
// Milliseconds with precision that suits the magnitude: "0.412", "12.3", "1,204".
std::string format_ms(Duration d);
// A rate per second: "0.50", "12.5", "1,204".
std::string format_rate(double per_second);
std::string format_percent(double fraction);

// "SIGINT", "SIGTERM", "SIGUSR1", else "signal N": the signal that stopped a run.
std::string signal_name(int signal_number);

}  // namespace iuprobe
