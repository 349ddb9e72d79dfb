// SPDX-License-Identifier: Apache-2.0
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// A server whose event loop is busy when a request comes still learns when it came: the
// kernel's receive time, not the time the loop got round to reading it.
TEST(HttpServer, AHandlerIsToldWhenTheRequestCameNotWhenItWasRead) {
  asio::io_context io{1};
  struct Seen {
    Steady::time_point arrived, handled;
  };
  std::vector<Seen> seen;
  HttpServer server(
      io, TimedHttpHandler(
              [&](HttpRequest&, Steady::time_point arrived) -> asio::awaitable<HttpResponse> {
                seen.push_back({arrived, Steady::now()});
                HttpResponse response{boost::beast::http::status::ok, 11};
                response.body() = "ok";
                co_return response;
              }));
  ASSERT_TRUE(server.listen({asio::ip::make_address("127.0.0.1"), 0}));
  auto guard = asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });

  asio::io_context client_io;
  tcp::socket client(client_io);
  client.connect(server.local_endpoint());
  const auto exchange = [&] {
    const std::string request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    asio::write(client, asio::buffer(request));
    std::string answer;
    asio::read_until(client, asio::dynamic_buffer(answer), "ok");
  };
  exchange();  // the kernel turns receive timestamps on lazily: the first may have none

  // The loop sleeps 200 ms from now; the request is sent 20 ms into that.
  std::promise<void> asleep;
  Steady::time_point woke{};
  asio::post(io, [&] {
    asleep.set_value();
    std::this_thread::sleep_for(200ms);
    woke = Steady::now();
  });
  asleep.get_future().wait();
  std::this_thread::sleep_for(20ms);
  const auto sent = Steady::now();
  exchange();

  asio::post(io, [&] {
    server.close();
    guard.reset();
  });
  loop.join();
  ASSERT_EQ(seen.size(), 2u);
  // On a loaded machine this thread may have run too late to send while the loop slept.
  if (sent >= woke - 50ms) GTEST_SKIP() << "the request was sent after the loop's sleep";
  const Seen& late = seen[1];
  EXPECT_GE(late.arrived, sent - 1ms);
  EXPECT_LT(late.arrived, woke) << "the time it came, not the time it was read";
  EXPECT_GE(late.handled, woke);
}

}  // namespace
}  // namespace iuprobe
