// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace iuprobe {

// The completion token of iuprobe's coroutine I/O: `co_await op(kUseTuple)` returns the error
// code (and the result) as a tuple instead of throwing, so every call site handles its errors.
inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

// The load path (connections, workers) runs on one io_context per thread, and its coroutines,
// sockets and timers name that context's executor rather than the type-erased any_io_executor:
// each copy, work count and dispatch of an any_io_executor goes through a table of function
// pointers, several times per request.
using LoadExecutor = boost::asio::io_context::executor_type;
template <class T = void>
using LoadTask = boost::asio::awaitable<T, LoadExecutor>;
using LoadTimer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, LoadExecutor>;
// kUseTuple for LoadTask coroutines.
inline constexpr auto kLoadTuple =
    boost::asio::as_tuple(boost::asio::use_awaitable_t<LoadExecutor>{});

}  // namespace iuprobe
