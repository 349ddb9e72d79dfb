// SPDX-License-Identifier: Apache-2.0
#include "http/client_connection.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <limits>
#include <tuple>

#include "http/awaitable.h"
#include "http/parse_buffered.h"
#include "http/response_scanner.h"
#include "http/tls.h"
#include "http/wakeup.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Socket = asio::basic_stream_socket<tcp, LoadExecutor>;
using namespace boost::asio::experimental::
    awaitable_operators;  // NOLINT(google-build-using-namespace)

template <class Stream>
class BasicConnection final : public ClientConnection, private ParkedAnswer {
  static constexpr bool kTls = !std::is_same_v<Stream, Socket>;

 public:
  BasicConnection(LoadExecutor executor, const ConnectionOptions& options)
      : executor_(std::move(executor)), options_(options), park_(executor_) {}

  LoadTask<ExchangeResult> exchange(std::string_view head, std::string_view body, bool head_request,
                                    AnswerBatch* answers) override {
    ExchangeResult result;
    const Busy busy(busy_);
    timed_out_ = false;
    // Copied before the first suspension: `head` may view a buffer its source rewrites for the
    // next request while this one waits to connect (the signed requests do).
    head_.assign(head);
    if (!stream_ && !co_await connect(result)) co_return result;

    result.stage = ExchangeStage::kWrite;
    result.sent = SteadyClock::now();
    sent_ = result.sent;
    deadline_ = result.sent + options_.request_timeout;
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                    asio::buffer(body.data(), body.size())};
    const std::size_t size = head_.size() + body.size();
    ResponseScanner scanner(head_request);
    Transfer write, read;
    // On plain TCP the request is first written without waiting: on a connection that carried
    // its last request to the end it nearly always fits the socket's send buffer, 100 KB
    // included, and an asynchronous write that completes at once still costs a queued completion
    // and, with it, an extra poll of the reactor.
    write.bytes = write_now(buffers);
    if (write.bytes == size || size <= kWriteThenRead) {
      // All written, or the rest is small: read once it is out, awaited in place (no coroutine
      // frames beyond this one).
      if (write.bytes < size) {
        std::size_t more = 0;
        std::tie(write.error, more) =
            co_await asio::async_write(*stream_, after(buffers, write.bytes), kLoadTuple);
        write.bytes += more;
      }
      if (write.error) {
        result.bytes_sent = write.bytes;
        co_return failed(std::move(result), write.error);
      }
      result.stage = ExchangeStage::kRead;
      read = co_await receive(scanner, answers);
    } else {
      // A large request the socket did not take at once: read while writing the rest. Servers
      // and proxies may answer (413, 429, even 200) once they have read the head and close
      // without reading the body, as curl and urllib3 expect; written first, the body would
      // only meet a reset.
      WriteState writing;
      co_await (send_while(after(buffers, write.bytes), write, writing) &&
                receive_while(scanner, read, writing));
      // The stage is where it stopped: a write cut short by a timeout or an abort stopped
      // sending, one we cancelled because the read had ended did not.
      if (!write.error || writing.cancelled) result.stage = ExchangeStage::kRead;
    }
    result.bytes_sent = write.bytes;
    if (read.error) {
      // Cut off while sending: the write's own failure (a reset) says more than the read's,
      // unless the write was only stopped because the read had failed.
      const bool write_failed = result.stage == ExchangeStage::kWrite && !timed_out_ &&
                                write.error != asio::error::operation_aborted;
      co_return failed(std::move(result), write_failed ? write.error : read.error);
    }
    // Answered before the whole request went out: the connection cannot carry another.
    const bool unfinished_request = static_cast<bool>(write.error);

    result.done = std::max(arrived_.value_or(SteadyClock::now()), result.sent);
    result.stage = ExchangeStage::kDone;
    result.bytes_received = read.bytes;
    result.status = scanner.status();
    result.error_type_header = scanner.error_type_header();
    result.body_prefix = scanner.body_prefix();
    deadline_.reset();
    last_used_ = result.done;
    // After a 101 the connection speaks another protocol: it cannot carry another request.
    if (unfinished_request || !scanner.keep_alive() || result.status == 101) reset();
    co_return result;
  }

  LoadTask<ExchangeResult> open() override {
    ExchangeResult result;
    const Busy busy(busy_);
    timed_out_ = false;
    if (!stream_ && !co_await connect(result)) co_return result;
    result.stage = ExchangeStage::kDone;
    result.done = SteadyClock::now();
    last_used_ = result.done;
    co_return result;
  }

  bool expire(TimePoint now) override {
    if (!deadline_ || now < *deadline_) return false;
    timed_out_ = true;
    deadline_.reset();
    stop_parked();
    close_socket();
    return true;
  }

  void abort() override {
    deadline_.reset();
    stop_parked();
    if (busy_) {
      close_socket();
    } else {
      reset();
    }
  }

  bool is_open() const override { return stream_.has_value() && lowest().is_open(); }

  bool peer_closed() const override {
    if (!is_open()) return false;
    if (!wakes_on_data_) {
      // Last used with a parked answer: data would not show in poll(2), so peek for it.
      char byte = 0;
      const ssize_t n =
          ::recv(const_cast<Socket&>(lowest()).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
    pollfd fd{.fd = const_cast<Socket&>(lowest()).native_handle(),
              .events = POLLIN | POLLRDHUP,
              .revents = 0};
    if (::poll(&fd, 1, 0) <= 0) return false;
    // TLS 1.3 servers send session tickets after the handshake: data alone is not a close there.
    const short closed = POLLRDHUP | POLLHUP | POLLERR | (kTls ? 0 : POLLIN);
    return (fd.revents & closed) != 0;
  }
  TimePoint last_used() const override { return last_used_; }

 private:
  // A request up to this size goes out before its answer is read: it fits the socket's send
  // buffer, so a server that answers early cannot leave it blocked.
  static constexpr std::size_t kWriteThenRead = 16 * 1024;
  // How far before the park a receive stamp may fall (the clocks' conversion error).
  static constexpr Duration kStampSlack = std::chrono::milliseconds(1);

  struct Transfer {
    boost::system::error_code error;
    std::size_t bytes = 0;
  };

  // A write in parallel with its read, and how to stop it: the signal reaches the composed
  // write between its partial writes, the socket's cancel the partial write in progress.
  struct WriteState {
    asio::cancellation_signal stop;
    bool in_progress = true;
    bool cancelled = false;  // by us, because the answer was in
  };

  // Adds what it writes of `buffers` to `write`.
  LoadTask<void> send_while(std::array<asio::const_buffer, 2> buffers, Transfer& write,
                            WriteState& state) {
    std::size_t more = 0;
    std::tie(write.error, more) =
        co_await asio::async_write(*stream_, buffers, all_the_socket_takes,
                                   asio::bind_cancellation_slot(state.stop.slot(), kLoadTuple));
    write.bytes += more;
    state.in_progress = false;
  }
  // The completion condition of a large write: asio::transfer_all() hands the socket at most
  // 64 KB per system call, so a 100 KB body took two where the socket takes it in one.
  static std::size_t all_the_socket_takes(const boost::system::error_code& error, std::size_t) {
    return error ? 0 : std::numeric_limits<std::size_t>::max();
  }
  // Writes what the socket takes without waiting (nothing over TLS, whose writes go through
  // the stream's own state); an error is left for the asynchronous write to meet and report.
  std::size_t write_now(const std::array<asio::const_buffer, 2>& buffers) {
    if constexpr (kTls) {
      return 0;
    } else {
      boost::system::error_code ignored;
      return stream_->write_some(buffers, ignored);
    }
  }
  // What of `buffers` is left after its first `done` bytes.
  static std::array<asio::const_buffer, 2> after(const std::array<asio::const_buffer, 2>& buffers,
                                                 std::size_t done) {
    if (done < buffers[0].size()) return {buffers[0] + done, buffers[1]};
    return {asio::const_buffer{}, buffers[1] + (done - buffers[0].size())};
  }

  // Once the answer is in (or the read failed), a write still in progress is cancelled.
  LoadTask<void> receive_while(ResponseScanner& scanner, Transfer& read, WriteState& state) {
    read = co_await receive(scanner, nullptr);
    if (state.in_progress) {
      state.cancelled = !read.error;  // answered: the rest of the body is not needed
      state.stop.emit(asio::cancellation_type::terminal);
      boost::system::error_code ignored;
      lowest().cancel(ignored);
    }
  }

  // Reads one answer: parked in `answers` until its owner's next take() when it accepts, and
  // otherwise (or for an answer that had not all arrived by then) waiting on the stream.
  LoadTask<Transfer> receive(ResponseScanner& scanner, AnswerBatch* answers) {
    Transfer read;
    arrived_.reset();
    if constexpr (!kTls) {
      if (answers != nullptr && answers->accepts(sent_)) {
        set_wake_on_data(false);
        parked_scanner_ = &scanner;
        parked_ = ArrivedRead{};
        batch_ = answers;
        answers->park(*this);
        co_await park_.wait();
        read.bytes = parked_.bytes;
        if (parked_.state == ArrivedRead::State::kAnswered) co_return read;  // settle() timed it
        if (parked_.state == ArrivedRead::State::kFailed) {
          read.error = parked_.error;
          co_return read;
        }
      }
      set_wake_on_data(true);
    }
    // Beast's http::async_read, but with one asynchronous read per wait here instead of its
    // three layers of composed operations, each with its own executor and work guard.
    const auto done = [&] { return scanner.finished(); };
    while (true) {
      read.bytes += parse_buffered(scanner, buffer_, done, read.error);
      if (read.error || done()) co_return read;
      const std::size_t size = boost::beast::read_size(buffer_, 65536);
      if (size == 0) {
        read.error = boost::beast::http::error::buffer_overflow;
        co_return read;
      }
      const auto [error, got] =
          co_await stream_->async_read_some(buffer_.prepare(size), kLoadTuple);
      buffer_.commit(got);
      if (error == asio::error::eof) {
        read.error = parse_end_of_stream(scanner);
        co_return read;
      }
      if (error) {
        read.error = error;
        co_return read;
      }
    }
  }

  bool take() override {
    parked_ = read_arrived(lowest().native_handle(), buffer_, *parked_scanner_);
    return parked_.state == ArrivedRead::State::kAnswered;
  }
  void settle(const ClockPair& clocks) override {
    if (parked_.state == ArrivedRead::State::kAnswered) {
      // No stamp, or one that cannot be the arrival (the real-time clock was stepped): the
      // answer is timed by the batch's read, as an unparked one would be by its own.
      const TimePoint stamped =
          parked_.arrived ? clocks.steady_of(*parked_.arrived) : clocks.steady;
      arrived_ = stamped < sent_ - kStampSlack ? clocks.steady : stamped;
    }
    batch_ = nullptr;
    park_.wake_now();
  }
  void unpark() override {
    parked_.state = ArrivedRead::State::kWaiting;
    resume();
  }
  void resume() {
    batch_ = nullptr;
    park_.wake_later();
  }
  // A parked exchange that is timed out or aborted ends as a pending read would.
  void stop_parked() {
    if (batch_ == nullptr) return;
    batch_->forget(*this);
    parked_ =
        ArrivedRead{.state = ArrivedRead::State::kFailed, .error = asio::error::operation_aborted};
    resume();
  }
  void set_wake_on_data(bool wake) {
    if (wakes_on_data_ == wake) return;
    wake_on_data(lowest().native_handle(), wake);
    wakes_on_data_ = wake;
  }

  // Marks the connection busy for the lifetime of an exchange.
  struct Busy {
    explicit Busy(bool& flag) : flag_(flag) { flag_ = true; }
    ~Busy() { flag_ = false; }
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;
    bool& flag_;
  };

  const Socket& lowest() const {
    if constexpr (kTls)
      return stream_->next_layer();
    else
      return *stream_;
  }
  Socket& lowest() {
    if constexpr (kTls)
      return stream_->next_layer();
    else
      return *stream_;
  }

  // Only closes the socket: a pending operation completes with an error and its coroutine,
  // not this call, destroys the stream (destroying it under a pending operation is undefined).
  void close_socket() {
    if (!stream_) return;
    boost::system::error_code ignored;
    lowest().close(ignored);
  }

  void reset() {
    close_socket();
    stream_.reset();
    buffer_.clear();
  }

  ExchangeResult failed(ExchangeResult result, boost::system::error_code error) {
    result.error = error;
    result.timed_out = timed_out_;
    result.done = SteadyClock::now();
    deadline_.reset();
    reset();
    return result;
  }

  LoadTask<bool> connect(ExchangeResult& result) {
    result.stage = ExchangeStage::kConnect;
    deadline_ = SteadyClock::now() + options_.connect_timeout;
    if constexpr (kTls) {
      stream_.emplace(executor_, *options_.tls);
    } else {
      stream_.emplace(executor_);
    }
    auto [connect_error] = co_await lowest().async_connect(options_.endpoint, kLoadTuple);
    if (connect_error) {
      result = failed(std::move(result), connect_error);
      co_return false;
    }
    boost::system::error_code ignored;
    lowest().set_option(tcp::no_delay(true), ignored);
    lowest().non_blocking(true, ignored);  // for write_now
    wakes_on_data_ = true;
    if constexpr (kTls) {
      result.stage = ExchangeStage::kTlsHandshake;
      set_server_name(stream_->native_handle(), options_.host);
      if (options_.verify_host) {
        stream_->set_verify_callback(ssl::host_name_verification(options_.host));
      }
      auto [handshake_error] =
          co_await stream_->async_handshake(ssl::stream_base::client, kLoadTuple);
      if (handshake_error) {
        result = failed(std::move(result), handshake_error);
        co_return false;
      }
    }
    if constexpr (!kTls) enable_receive_timestamps(lowest().native_handle());
    deadline_.reset();
    co_return true;
  }

  LoadExecutor executor_;
  const ConnectionOptions& options_;
  std::optional<Stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::string head_;
  std::optional<TimePoint> deadline_;
  TimePoint last_used_ = SteadyClock::now();
  bool timed_out_ = false;
  bool busy_ = false;
  // A parked answer (plain TCP): where its owner's batch reads it into, and what it read.
  Wakeup park_;                   // a parked exchange waits here for its batch
  AnswerBatch* batch_ = nullptr;  // while parked
  ResponseScanner* parked_scanner_ = nullptr;
  TimePoint sent_{};  // when the current request started going out
  ArrivedRead parked_;
  std::optional<TimePoint> arrived_;  // of the current answer, by the kernel's receive stamp
  bool wakes_on_data_ = true;
};

std::string_view stage_name(ExchangeStage stage) {
  switch (stage) {
    case ExchangeStage::kConnect:
      return "connect to";
    case ExchangeStage::kTlsHandshake:
      return "TLS handshake with";
    case ExchangeStage::kWrite:
      return "sending to";
    case ExchangeStage::kRead:
      return "reading from";
    case ExchangeStage::kDone:
      return "exchange with";
  }
  return "exchange with";
}

}  // namespace

std::unique_ptr<ClientConnection> ClientConnection::create(LoadExecutor executor,
                                                           const ConnectionOptions& options) {
  if (options.tls != nullptr) {
    return std::make_unique<BasicConnection<ssl::stream<Socket>>>(std::move(executor), options);
  }
  return std::make_unique<BasicConnection<Socket>>(std::move(executor), options);
}

std::string describe_failure(const ExchangeResult& result, const ConnectionOptions& options) {
  std::string where = fmt::format("{} {}", stage_name(result.stage), options.host);
  if (result.timed_out) {
    const Duration limit =
        result.stage == ExchangeStage::kConnect || result.stage == ExchangeStage::kTlsHandshake
            ? options.connect_timeout
            : options.request_timeout;
    return fmt::format("{}: timed out after {}", where, format_duration(limit));
  }
  std::string detail = result.error.message();
  if (result.error == boost::beast::http::error::end_of_stream ||
      result.error == asio::error::eof) {
    detail = "the server closed the connection";
  }
  return fmt::format("{}: {}", where, detail);
}

}  // namespace iuprobe
