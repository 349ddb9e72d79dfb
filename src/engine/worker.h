// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "engine/run_abort.h"
#include "engine/run_config.h"
#include "http/client_connection.h"
#include "stats/error_tally.h"
#include "stats/window.h"

namespace iuprobe {

// The slice of a run one worker gets. Pointers refer to objects the runner owns for the whole run.
struct WorkerSetup {
  unsigned index = 0;
  unsigned count = 1;
  const LoadShape* load = nullptr;
  const ConnectionOptions* connection = nullptr;
  const ThrottleRules* throttle = nullptr;
  const std::function<std::optional<std::string>(const ErrorInfo&)>* stop_on_error = nullptr;
  RunAbort* abort = nullptr;
  unsigned max_connections = 1;  // this worker's share
  Duration late_threshold_floor{std::chrono::milliseconds(1)};
  Duration idle_timeout{std::chrono::seconds(20)};
  Duration grace{std::chrono::seconds(3)};
  Duration send_window{std::chrono::microseconds(250)};
  bool head_request = false;
  std::uint64_t seed = 1;
};

// What the controller takes from a worker once a second.
struct WorkerReport {
  Window window;
  std::uint64_t in_flight = 0;
  std::uint64_t connections = 0;
  double cpu = 0;  // this worker thread's CPU time / wall time since the last report
  bool finished = false;
};

// What is left after the worker has finished: per-segment totals and error details.
struct WorkerTotals {
  std::vector<Window> segments;
  StatusCounts statuses;
  ErrorTally errors;
};

// One thread, one event loop, its own connections and statistics: nothing is shared per
// request. The controller talks to it only through collect() (run on the worker's executor)
// and stop() (posted).
class Worker {
 public:
  Worker(WorkerSetup setup, std::unique_ptr<RequestSource> source);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start(TimePoint start);
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }
  // Swaps out the current window. Must run on executor().
  boost::asio::awaitable<WorkerReport> collect();
  // Stops sending; in-flight requests get the grace period (none if `immediately`). Thread-safe.
  void stop(bool immediately);
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  void join();
  WorkerTotals take_totals();

 private:
  struct Slot {
    std::unique_ptr<ClientConnection> connection;
    bool busy = false;
  };
  struct Job {
    TimePoint scheduled;
    std::size_t segment = 0;
    Duration late_after = Duration::max();
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> open_loop(const OpenLoop& plan);
  void start_users(const ClosedLoop& plan);
  boost::asio::awaitable<void> user(const UsersProfile& profile, unsigned local_user,
                                    boost::asio::steady_timer& timer);
  boost::asio::awaitable<void> sweep();
  void dispatch(const Job& job);
  boost::asio::awaitable<void> connect_and_serve(Slot& slot);
  boost::asio::awaitable<void> serve(Slot& slot, std::optional<Job> job);
  void release(Slot& slot);
  void close_idle(TimePoint now);
  boost::asio::awaitable<void> perform(Slot& slot, const Job& job);
  void record(const Job& job, const ExchangeResult& result, std::string_view body_name);
  void count_scheduled(const Job& job);
  void note_error(const ExchangeResult& result, std::string_view type, std::string_view body_name);
  void expire_backlog(TimePoint now);
  Slot& add_slot();
  void notify_if_drained();

  WorkerSetup setup_;
  std::unique_ptr<RequestSource> source_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::thread thread_;
  TimePoint start_{};
  boost::asio::steady_timer send_timer_{io_};
  boost::asio::steady_timer drained_{io_};
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  std::deque<Job> backlog_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> user_timers_;
  Window window_;
  WorkerTotals totals_;
  unsigned busy_ = 0;
  std::size_t connecting_ = 0;  // connections being opened for the backlog
  unsigned active_users_ = 0;
  bool sending_done_ = false;
  bool stopping_ = false;
  std::optional<TimePoint> stop_deadline_;
  std::atomic<bool> finished_{false};
  double last_cpu_seconds_ = 0;
  TimePoint last_collect_{};
};

}  // namespace iuprobe
