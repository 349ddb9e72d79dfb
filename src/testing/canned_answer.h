// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <thread>
#include <utility>

namespace iuprobe::testing {

// A server on 127.0.0.1:0 for one connection: it reads a request's head, writes `answer` as
// given, byte for byte, and closes without reading a body, as HAProxy's `http-request deny`
// does without request buffering (the kernel then resets the connection if a body is left
// unread). For answers that HttpServer would not write: interim ones, malformed ones.
class CannedAnswer {
 public:
  explicit CannedAnswer(std::string answer) : answer_(std::move(answer)) {
    thread_ = std::thread([this] {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error) return;
      std::string head;
      boost::asio::read_until(socket, boost::asio::dynamic_buffer(head), "\r\n\r\n", error);
      boost::asio::write(socket, boost::asio::buffer(answer_), error);
      socket.close(error);
    });
  }
  ~CannedAnswer() { thread_.join(); }
  CannedAnswer(const CannedAnswer&) = delete;
  CannedAnswer& operator=(const CannedAnswer&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  std::uint16_t port() const { return endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::string answer_;
  std::thread thread_;
};

}  // namespace iuprobe::testing
