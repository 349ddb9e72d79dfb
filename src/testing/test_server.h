// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <string>
#include <thread>

#include "http/server.h"

namespace iuprobe::testing {

// An HttpServer on 127.0.0.1:0 with its own thread, for end-to-end tests.
class TestServer {
 public:
  explicit TestServer(HttpHandler handler, ServerLimits limits = {})
      : server_(io_, std::move(handler), limits) {
    auto ok = server_.listen({boost::asio::ip::make_address("127.0.0.1"), 0});
    if (!ok) throw std::runtime_error(ok.error().message);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    boost::asio::post(io_, [this] { server_.close(); });
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_.local_endpoint().port(); }
  std::uint64_t accepted() const { return server_.accepted(); }
  // Open connections, read on the server's own thread.
  std::size_t connections() {
    std::promise<std::size_t> count;
    boost::asio::post(io_, [&] { count.set_value(server_.connections()); });
    return count.get_future().get();
  }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_{1};
  HttpServer server_;
  std::thread thread_;
};

inline HttpResponse text_response(unsigned status, std::string body) {
  HttpResponse response{static_cast<boost::beast::http::status>(status), 11};
  response.body() = std::move(body);
  return response;
}

// Suspends the calling coroutine for `delay` on its own executor.
inline boost::asio::awaitable<void> sleep_for(Duration delay) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace iuprobe::testing
