// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "http/answer_batch.h"
#include "http/awaitable.h"

namespace iuprobe {

struct ConnectionOptions {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host;                          // for SNI and certificate host-name checks
  boost::asio::ssl::context* tls = nullptr;  // null: plain TCP
  bool verify_host = true;
  Duration connect_timeout{std::chrono::seconds(10)};
  Duration request_timeout{std::chrono::seconds(30)};
};

enum class ExchangeStage : std::uint8_t { kConnect, kTlsHandshake, kWrite, kRead, kDone };

// What one request got: a status and the parts of the answer classification needs, or a
// transport failure with the stage it happened in.
struct ExchangeResult {
  boost::system::error_code error;  // set when no complete response arrived
  bool timed_out = false;
  ExchangeStage stage = ExchangeStage::kConnect;
  unsigned status = 0;
  std::string error_type_header;  // raw x-amzn-ErrorType
  std::string body_prefix;        // non-2xx answers only
  TimePoint sent{};               // when the request started going out (after any connect)
  TimePoint done{};
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;

  bool has_response() const { return !error && !timed_out; }
};

// "connect to 127.0.0.1:8080: Connection refused" — for messages and error samples.
std::string describe_failure(const ExchangeResult& result, const ConnectionOptions& options);

// One keep-alive HTTP/1.1 connection (plain or TLS, chosen at creation), used by one request at
// a time on its owner's thread. Deadlines are enforced by the owner calling expire(now), so a
// worker needs one sweep timer instead of a timer per request.
class ClientConnection {
 public:
  static std::unique_ptr<ClientConnection> create(LoadExecutor executor,
                                                  const ConnectionOptions& options);
  virtual ~ClientConnection() = default;

  // Connects (and handshakes) if needed, writes head then body, reads one response.
  // `body` must stay valid until the call completes; `head` is copied. With `answers`, a plain
  // TCP connection whose request went out whole may park the answer there until its owner's
  // next AnswerBatch::take(), and `done` is then when the kernel received it.
  virtual LoadTask<ExchangeResult> exchange(std::string_view head, std::string_view body,
                                            bool head_request, AnswerBatch* answers) = 0;
  // Connects and handshakes without sending anything (pre-flight checks).
  virtual LoadTask<ExchangeResult> open() = 0;
  // If the operation in progress is past its deadline, aborts it (it then fails as timed out).
  virtual bool expire(TimePoint now) = 0;
  // Aborts whatever is in progress (or closes an idle connection); it reconnects on next use.
  virtual void abort() = 0;
  virtual bool is_open() const = 0;
  // For an idle connection: whether the server has closed it (or sent what nobody asked for),
  // so that it is reopened rather than written into. One poll(2).
  virtual bool peer_closed() const = 0;
  virtual TimePoint last_used() const = 0;
};

}  // namespace iuprobe
