// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace iuprobe {

// 130 / 143 (128 + signal) for runs stopped by SIGINT / SIGTERM, see core/interrupt.h.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure =
    1;                                // the run could not be done: endpoint unreachable, I/O error
inline constexpr int kExitUsage = 2;  // bad options or input files

}  // namespace iuprobe
