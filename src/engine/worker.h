// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cassert>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "engine/connection_growth.h"
#include "engine/load_shape.h"
#include "engine/run_abort.h"
#include "http/awaitable.h"
#include "http/classify.h"
#include "http/client_connection.h"
#include "http/request_source.h"
#include "http/wakeup.h"
#include "stats/error_tally.h"
#include "stats/window.h"

namespace iuprobe {

// The slice of a session one worker gets. Pointers refer to objects the session owns.
struct WorkerSetup {
  unsigned index = 0;
  unsigned count = 1;
  const ConnectionOptions* connection = nullptr;
  const ThrottleRules* throttle = nullptr;
  const std::function<std::optional<Error>(const ErrorInfo&)>* stop_on_error = nullptr;
  RunAbort* abort = nullptr;
  unsigned max_connections = 1;  // this worker's share
  Duration late_threshold_floor{std::chrono::milliseconds(1)};
  Duration idle_timeout{std::chrono::seconds(20)};
  Duration grace{std::chrono::seconds(3)};
  Duration send_window{std::chrono::microseconds(250)};
  bool head_request = false;
  std::uint64_t seed = 1;
};

// What the controller takes from a worker at the end of each window.
struct WorkerReport {
  Window window;
  std::uint64_t in_flight = 0;
  std::uint64_t connections = 0;
  double cpu = 0;  // this worker thread's CPU time / wall time since the last report
  bool plan_done = false;
};

// What a worker did in one plan, once it is done: per-phase totals and error details.
struct PlanTotals {
  std::vector<Window> phases;
  StatusCounts statuses;  // measure phases only
  ErrorTally errors;      // measure phases only
};

// One thread, one event loop, its own connections and statistics: nothing is shared per
// request. It lives as long as its session and runs the session's plans one after another,
// keeping its connections between them. The session talks to it only through begin() and
// stop() (posted) and collect() (run on the worker's executor).
class Worker {
 public:
  Worker(WorkerSetup setup, std::unique_ptr<RequestSource> source);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start() only (the loop's sockets take no locks, see io_): the event loop, for the
  // session's pre-flight to open the pool's first connection on, and adopt() to take that
  // connection in.
  boost::asio::io_context& io() {
    assert(!thread_.joinable());
    return io_;
  }
  void adopt(std::unique_ptr<ClientConnection> connection);
  void start();

  // Sends `plan` (which must outlive it) from `start`; `plan_number` varies random arrivals.
  void begin(const LoadShape& plan, TimePoint start, std::uint64_t plan_number);
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }
  // Swaps out the current window. Must run on executor().
  LoadTask<WorkerReport> collect();
  // Stops sending the plan; in-flight requests get the grace period (none if `immediately`).
  void stop(bool immediately);
  // Whether every request of the current plan has its outcome.
  bool plan_done() const { return plan_done_.load(std::memory_order_acquire); }
  // The plan's totals, once plan_done(); empty after the worker failed.
  PlanTotals take_totals();
  // Closes every connection and ends the thread.
  void shutdown();

 private:
  // A coroutine's exception (a bug, or memory running out) leaves io_.run() instead of vanishing
  // as asio::detached would let it; the worker's thread turns it into an abort of the load.
  static constexpr auto kRethrow = [](const std::exception_ptr& e) {
    if (e) std::rethrow_exception(e);
  };
  struct Job {
    TimePoint scheduled;
    std::size_t phase_index = 0;
    bool judged = true;
    Duration late_after = Duration::max();
  };
  struct Slot {
    explicit Slot(LoadExecutor executor) : idle(std::move(executor)) {}
    std::unique_ptr<ClientConnection> connection;
    bool busy = false;
    // The coroutine that served the slot's last sends waits here while the slot is idle, for
    // dispatch() to hand it the next (`job`) or for the shutdown (none).
    Wakeup idle;
    std::optional<Job> job;
  };

  LoadTask<> run_plan();
  LoadTask<> open_loop(const OpenLoop& plan);
  void start_users(const ClosedLoop& plan);
  LoadTask<> user(const UsersProfile& profile, unsigned local_user, LoadTimer& timer);
  LoadTask<> sweep();
  void dispatch(const Job& job);
  void open_for_backlog(TimePoint now);
  // How often sends waiting for a connection are looked at again, and how late a wake-up must
  // be for the worker to count as held up (ConnectionGrowth::held_up).
  Duration quarter_horizon() const { return setup_.late_threshold_floor / 4; }
  LoadTask<> watch_backlog();
  LoadTask<> connect_and_serve(Slot& slot);
  LoadTask<> serve(Slot& slot, std::optional<Job> job);
  void release(Slot& slot);
  Slot& take_slot();
  void close_idle(TimePoint now);
  // A send is begin_send, the connection's exchange, then finish_send. Its callers (serve,
  // user) await the exchange themselves: a coroutine of the worker's own between them and the
  // connection cost every request a frame: about 3% of a closed-loop request's instructions.
  struct Started {
    TimePoint at;
    RequestView request;
  };
  Started begin_send(Slot& slot, const Job& job);
  LoadTask<ExchangeResult> exchange(Slot& slot, const Started& started);
  void finish_send(const Job& job, const Started& started, const ExchangeResult& result);
  void record(const Job& job, const ExchangeResult& result, std::string_view body_name);
  void count_scheduled(const Job& job);
  void note_error(const ExchangeResult& result, std::string_view type, std::string_view body_name);
  void expire_backlog(TimePoint now);
  Slot& add_slot(std::unique_ptr<ClientConnection> connection = nullptr);
  void notify_if_drained();
  void fail(std::string_view what);

  WorkerSetup setup_;
  std::unique_ptr<RequestSource> source_;
  // One thread runs this context, and only it touches the context's sockets (the pre-flight
  // runs it on the session's thread before this one starts; the destructor destroys them after
  // joining it): the sockets' per-operation locks are left out. Other threads only post to it
  // (begin, stop, collect, shutdown), which stays locked.
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::thread thread_;
  // An Asio timer costs two timerfd_settime calls per wake-up. A timerfd of the worker's own costs
  // as many system calls: one timerfd_settime, and an epoll_ctl per wait (Asio re-registers a
  // descriptor for each async_wait). Tried three times: docs/design/engine-speed.md, "A send
  // clock of the worker's own".
  LoadTimer send_timer_{io_};
  LoadTimer drained_{io_};
  LoadTimer backlog_timer_{io_};  // watch_backlog()'s
  AnswerBatch answers_;           // read at each send-window wake of an open-loop plan
  std::vector<Job> due_now_;      // an open-loop plan's sends due at the current wake-up
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;  // most recently used last
  std::deque<Job> backlog_;
  Window window_;
  double last_cpu_seconds_ = 0;
  TimePoint last_collect_{};
  unsigned busy_ = 0;
  std::size_t connecting_ = 0;  // connections being opened for the backlog
  ConnectionGrowth growth_{setup_.late_threshold_floor};
  bool watching_backlog_ = false;
  bool shutting_down_ = false;

  // The current plan.
  const LoadShape* plan_ = nullptr;
  TimePoint plan_start_{};
  std::uint64_t plan_seed_ = 1;
  PlanTotals totals_;
  std::vector<std::unique_ptr<LoadTimer>> user_timers_;
  unsigned active_users_ = 0;
  bool sending_done_ = true;
  bool stopping_ = false;
  std::optional<TimePoint> stop_deadline_;
  std::atomic<bool> plan_done_{true};
  std::atomic<bool> failed_{false};  // an exception escaped a coroutine: see fail()
};

}  // namespace iuprobe
