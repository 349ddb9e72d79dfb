// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace iuprobe {

// The completion token of iuprobe's coroutine I/O: `co_await op(kUseTuple)` returns the error
// code (and the result) as a tuple instead of throwing, so every call site handles its errors.
inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace iuprobe
