// SPDX-License-Identifier: Apache-2.0
#include "http/answer_batch.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <string>
#include <thread>

#include "http/client_connection.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
constexpr std::string_view kRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// A connected loopback pair: `client` reads what `server` writes.
struct Pair {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket client{io};
  tcp::socket server{io};
  explicit Pair(int receive_buffer = 0) {
    client.open(tcp::v4());
    if (receive_buffer > 0)
      client.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    enable_receive_timestamps(client.native_handle());
  }
  int fd() { return client.native_handle(); }
  // Waits (up to 5 s) until the client has something to read.
  bool readable() {
    pollfd p{.fd = fd(), .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, 5000) == 1;
  }
};

// The kernel turns timestamps on lazily once a socket asks (and off once none does): read on
// `pair` until an answer comes with one.
bool kernel_timestamps_on(Pair& pair) {
  for (int i = 0; i < 200; ++i) {
    asio::write(pair.server, asio::buffer(kAnswer));
    if (!pair.readable()) return false;
    boost::beast::flat_buffer buffer;
    ResponseScanner scanner;
    if (read_arrived(pair.fd(), buffer, scanner).arrived) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

TEST(ReadArrived, TimesAnAnswerByWhenTheKernelReceivedItNotByWhenItWasRead) {
  Pair pair;
  ASSERT_TRUE(kernel_timestamps_on(pair));
  const TimePoint before = SteadyClock::now();
  asio::write(pair.server, asio::buffer(kAnswer));
  const TimePoint written = SteadyClock::now();
  ASSERT_TRUE(pair.readable());
  std::this_thread::sleep_for(30ms);  // the reader comes late
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  const ArrivedRead read = read_arrived(pair.fd(), buffer, scanner);
  const ClockPair read_at = ClockPair::now();
  ASSERT_EQ(read.state, ArrivedRead::State::kAnswered);
  EXPECT_EQ(scanner.status(), 200u);
  EXPECT_EQ(read.bytes, kAnswer.size());
  ASSERT_TRUE(read.arrived);
  const TimePoint arrived = read_at.steady_of(*read.arrived);
  // Loopback receives during the sender's write; the two clocks are read 1 ms apart at most.
  EXPECT_GE(arrived, before - 1ms);
  EXPECT_LE(arrived, written + 1ms);
  EXPECT_GE(read_at.steady - arrived, 25ms);
}

TEST(ClockPair, PutsAStampOnTheSteadyClockAndNeverAfterTheReading) {
  const ClockPair clocks{.steady = TimePoint{} + 10s, .real = RealTime{} + 100s};
  EXPECT_EQ(clocks.steady_of(RealTime{} + 99s), TimePoint{} + 9s);
  EXPECT_EQ(clocks.steady_of(RealTime{} + 100s), TimePoint{} + 10s);
  EXPECT_EQ(clocks.steady_of(RealTime{} + 101s), TimePoint{} + 10s);  // a stepped clock
}

TEST(ReadArrived, LeavesWhatHasNotArrivedForALaterRead) {
  Pair pair;
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  const std::string_view answer = "HTTP/1.1 503 Busy\r\nContent-Length: 10\r\n\r\n0123456789";
  asio::write(pair.server, asio::buffer(answer.substr(0, answer.size() - 6)));
  ASSERT_TRUE(pair.readable());
  const ArrivedRead first = read_arrived(pair.fd(), buffer, scanner);
  EXPECT_EQ(first.state, ArrivedRead::State::kWaiting);
  EXPECT_TRUE(scanner.is_header_done());
  asio::write(pair.server, asio::buffer(answer.substr(answer.size() - 6)));
  ASSERT_TRUE(pair.readable());
  const ArrivedRead second = read_arrived(pair.fd(), buffer, scanner);
  ASSERT_EQ(second.state, ArrivedRead::State::kAnswered);
  EXPECT_EQ(first.bytes + second.bytes, answer.size());
  EXPECT_EQ(scanner.status(), 503u);
  EXPECT_EQ(scanner.body_prefix(), "0123456789");
}

TEST(ReadArrived, PassesOverAnInterimAnswerToTheFinalOne) {
  Pair pair;
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  const std::string_view hints = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n";
  asio::write(pair.server, asio::buffer(hints));
  ASSERT_TRUE(pair.readable());
  const ArrivedRead first = read_arrived(pair.fd(), buffer, scanner);
  EXPECT_EQ(first.state, ArrivedRead::State::kWaiting);
  asio::write(pair.server, asio::buffer(kAnswer));
  ASSERT_TRUE(pair.readable());
  const ArrivedRead second = read_arrived(pair.fd(), buffer, scanner);
  ASSERT_EQ(second.state, ArrivedRead::State::kAnswered);
  EXPECT_EQ(scanner.status(), 200u);
  EXPECT_EQ(first.bytes + second.bytes, hints.size() + kAnswer.size());
}

TEST(ReadArrived, LeavesAnEndOfStreamToTheWaitingReadAndReportsWhatCannotBeParsed) {
  {
    Pair pair;
    pair.server.close();
    ASSERT_TRUE(pair.readable());
    boost::beast::flat_buffer buffer;
    ResponseScanner scanner;
    EXPECT_EQ(read_arrived(pair.fd(), buffer, scanner).state, ArrivedRead::State::kWaiting);
  }
  Pair pair;
  asio::write(pair.server, asio::buffer(std::string_view("HTTP/1.1 abc\r\n\r\n")));
  ASSERT_TRUE(pair.readable());
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  const ArrivedRead read = read_arrived(pair.fd(), buffer, scanner);
  EXPECT_EQ(read.state, ArrivedRead::State::kFailed);
  EXPECT_TRUE(read.error);
}

TEST(ReadArrived, LeavesALargeAnswerToTheSocketReadAfterAQuarterMegabyte) {
  Pair pair(4 << 20);  // room for the whole answer in the client's receive queue
  const std::string body(512 << 10, 'b');
  const std::string answer =
      fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}", body.size(), body);
  asio::write(pair.server, asio::buffer(answer));
  int queued = 0;
  for (int i = 0; i < 5000 && queued < static_cast<int>(answer.size()); ++i) {
    ASSERT_EQ(::ioctl(pair.fd(), FIONREAD, &queued), 0);
    if (queued < static_cast<int>(answer.size())) std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(queued, static_cast<int>(answer.size()));  // all of it has arrived
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  const ArrivedRead first = read_arrived(pair.fd(), buffer, scanner);
  EXPECT_EQ(first.state, ArrivedRead::State::kWaiting);  // the worker's wake is not held
  EXPECT_LE(first.bytes, 4u * 65536u);
  std::size_t bytes = first.bytes;
  for (int i = 0; i < 1000 && !scanner.finished() && pair.readable(); ++i)
    bytes += read_arrived(pair.fd(), buffer, scanner).bytes;
  EXPECT_TRUE(scanner.finished());
  EXPECT_EQ(bytes, answer.size());
}

TEST(ReadArrived, AParkedSocketDoesNotWakeItsReaderButItsEndDoes) {
  Pair pair;
  wake_on_data(pair.fd(), false);
  asio::write(pair.server, asio::buffer(kAnswer));
  pollfd p{.fd = pair.fd(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(::poll(&p, 1, 50), 0);  // the answer is there (read below), yet nothing wakes
  boost::beast::flat_buffer buffer;
  ResponseScanner scanner;
  EXPECT_EQ(read_arrived(pair.fd(), buffer, scanner).state, ArrivedRead::State::kAnswered);
  pair.server.close();
  EXPECT_EQ(::poll(&p, 1, 5000), 1);  // a closed connection is noticed as before
}

// Counts how a batch treated its answers.
class FakeParked final : public ParkedAnswer {
 public:
  explicit FakeParked(bool arrived) : arrived_(arrived) {}
  bool take() override {
    ++taken;
    log += 't';
    return arrived_;
  }
  void settle(const ClockPair&) override {
    ++settled;
    log += 's';
  }
  // What every FakeParked did, in order: a batch reads all its answers before it times any.
  static inline std::string log;
  void unpark() override { ++unparked; }
  int taken = 0;
  int settled = 0;
  int unparked = 0;

 private:
  bool arrived_;
};

TEST(AnswerBatch, ParksOnlyWhenItsOwnerReadsWithinTheHorizon) {
  AnswerBatch batch;
  const TimePoint now = SteadyClock::now();
  EXPECT_FALSE(batch.accepts(now));  // no read expected: a closed loop, or between plans
  batch.expect_read_at(now + AnswerBatch::kHorizon);
  EXPECT_TRUE(batch.accepts(now));
  EXPECT_FALSE(batch.accepts(now + AnswerBatch::kHorizon));  // the read is due: too late
  batch.expect_read_at(now + AnswerBatch::kHorizon + 1us);
  EXPECT_FALSE(batch.accepts(now));
  batch.release();
  batch.expect_read_at(now + 1us);
  EXPECT_TRUE(batch.accepts(now));
  batch.release();
  EXPECT_FALSE(batch.accepts(now));
}

TEST(AnswerBatch, ReadTakesEveryParkedAnswerAndReleaseUnparksThem) {
  AnswerBatch batch;
  FakeParked a(true), b(true), c(true);
  batch.park(a);
  batch.park(b);
  batch.park(c);
  batch.forget(b);  // timed out while parked
  FakeParked::log.clear();
  batch.read();
  EXPECT_EQ(FakeParked::log, "ttss");
  EXPECT_EQ(a.taken + c.taken, 2);
  EXPECT_EQ(a.settled + c.settled, 2);
  EXPECT_EQ(b.taken + b.settled, 0);
  EXPECT_EQ(batch.parked(), 0u);
  batch.park(a);
  batch.release();
  EXPECT_EQ(a.unparked, 1);
  EXPECT_EQ(a.taken, 1);
  EXPECT_EQ(batch.parked(), 0u);
}

// Between a take() and its settle() the owner sends, and the exchanges settled resume in place:
// new answers park for the next take(), and one stopped meanwhile (nothing in the worker does
// that; the batch guards against it) is not resumed twice.
TEST(AnswerBatch, SettleResumesWhatTheTakeReadAndNothingParkedSince) {
  AnswerBatch batch;
  FakeParked a(true), b(true), c(true), later(true);
  batch.park(a);
  batch.park(b);
  FakeParked::log.clear();
  EXPECT_EQ(batch.take(), 2u);
  EXPECT_EQ(FakeParked::log, "tt");  // read, none resumed yet
  batch.park(later);                 // a send between the take and the settle
  batch.forget(b);                   // stopped before its settle
  batch.settle();
  EXPECT_EQ(FakeParked::log, "tts");
  EXPECT_EQ(a.settled, 1);
  EXPECT_EQ(b.settled, 0);
  EXPECT_EQ(later.taken + later.settled, 0);
  EXPECT_EQ(batch.parked(), 1u);  // `later`, for the next take()
  batch.park(c);
  FakeParked::log.clear();
  EXPECT_EQ(batch.read(), 2u);
  EXPECT_EQ(FakeParked::log, "ttss");
}

TEST(AnswerBatch, ParksOnlyNowAndThenWhileMostAnswersComeAfterTheRead) {
  AnswerBatch batch;
  const TimePoint now = SteadyClock::now();
  batch.expect_read_at(now + 100us);
  FakeParked late(false);
  for (int i = 0; i < 64; ++i) {
    batch.park(late);
    batch.read();
  }
  EXPECT_GT(batch.miss_share(), 0.5);
  int accepted = 0;
  for (int i = 0; i < 160; ++i) accepted += batch.accepts(now) ? 1 : 0;
  EXPECT_EQ(accepted, 10);  // one in 16, to notice when answers come sooner again
  FakeParked prompt(true);
  for (int i = 0; i < 64; ++i) {
    batch.park(prompt);
    batch.read();
  }
  EXPECT_LT(batch.miss_share(), 0.5);
  EXPECT_TRUE(batch.accepts(now));
}

}  // namespace
}  // namespace iuprobe
