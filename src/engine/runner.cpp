// SPDX-License-Identifier: Apache-2.0
#include "engine/runner.h"

#include <fmt/chrono.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

#include "core/interrupt.h"
#include "engine/preflight.h"
#include "engine/worker.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr Duration kWindow = 1s;
constexpr Duration kPoll = 20ms;
// After the schedule ends, the last window waits this much longer for answers in flight, so
// the drain joins the last second instead of making a sliver of a window of its own.
constexpr Duration kDrainAllowance = 500ms;

std::string utc_now() {
  return fmt::format(
      "{:%Y-%m-%dT%H:%M:%SZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

// Collects a window from every worker once a second, turns stop requests into worker stops,
// and ends when every worker has finished.
class Controller {
 public:
  Controller(const RunConfig& config, std::vector<std::unique_ptr<Worker>>& workers,
             RunObserver& observer, const RunAbort& abort, TimePoint start)
      : config_(config),
        abort_(abort),
        workers_(workers),
        observer_(observer),
        start_(start),
        warmup_(warmup_duration(config.load)) {}

  void run() {
    asio::co_spawn(io_, loop(), asio::detached);
    io_.run();
  }

  std::vector<WindowRecord>& windows() { return windows_; }
  int stopped_by() const { return stopped_by_; }
  // When sending stopped, since the start: the end of the shape, or the stop request.
  Duration send_end() const { return send_end_; }
  Duration wall() const { return wall_; }

 private:
  asio::awaitable<void> loop() {
    asio::steady_timer timer(io_);
    TimePoint window_start = start_;
    send_end_ = total_duration(config_.load);
    for (std::size_t index = 0;; ++index) {
      TimePoint tick = start_ + kWindow * static_cast<long>(index + 1);
      if (tick >= start_ + send_end_) tick += kDrainAllowance;
      while (SteadyClock::now() < tick && !all_finished()) {
        timer.expires_at(std::min(tick, SteadyClock::now() + kPoll));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        handle_interrupts();
        handle_abort();
      }
      Window merged;
      WindowRecord record;
      bool finished = true;
      double peak_cpu = 0;
      std::uint64_t in_flight = 0, connections = 0;
      for (auto& worker : workers_) {
        WorkerReport report =
            co_await asio::co_spawn(worker->executor(), worker->collect(), asio::use_awaitable);
        merged.merge(report.window);
        in_flight += report.in_flight;
        connections += report.connections;
        peak_cpu = std::max(peak_cpu, report.cpu);
        finished = finished && report.finished;
      }
      const TimePoint now = SteadyClock::now();
      record = make_window_record(index, window_start - start_, now - window_start, merged);
      record.warmup = record.start < warmup_;
      record.in_flight = in_flight;
      record.connections = connections;
      record.peak_worker_cpu = peak_cpu;
      window_start = now;
      observer_.on_window(record);
      windows_.push_back(std::move(record));
      if (finished) {
        wall_ = now - start_;
        break;
      }
    }
  }

  bool all_finished() const {
    return std::all_of(workers_.begin(), workers_.end(),
                       [](const auto& w) { return w->finished(); });
  }

  // A worker saw an answer that makes going on pointless: stop everything now.
  void handle_abort() {
    if (aborted_ || !abort_.requested()) return;
    aborted_ = true;
    send_end_ = std::min(send_end_, std::max(Duration{0}, SteadyClock::now() - start_));
    for (auto& worker : workers_) worker->stop(/*immediately=*/true);
  }

  void handle_interrupts() {
    const int count = interrupt_count();
    if (count <= interrupts_seen_) return;
    const bool first = interrupts_seen_ == 0;
    interrupts_seen_ = count;
    if (first) {
      stopped_by_ = interrupt_signal();
      send_end_ = std::min(send_end_, std::max(Duration{0}, SteadyClock::now() - start_));
      observer_.on_stopping(stopped_by_);
    }
    for (auto& worker : workers_) worker->stop(/*immediately=*/!first);
  }

  const RunConfig& config_;
  const RunAbort& abort_;
  bool aborted_ = false;
  std::vector<std::unique_ptr<Worker>>& workers_;
  RunObserver& observer_;
  TimePoint start_;
  Duration warmup_;
  asio::io_context io_{1};
  std::vector<WindowRecord> windows_;
  int interrupts_seen_ = 0;
  int stopped_by_ = 0;
  Duration send_end_{};
  Duration wall_{};
};

// Sums the measured segments of every worker, trimming durations to what actually ran.
std::vector<SegmentRecord> merge_segments(const LoadShape& shape, std::vector<WorkerTotals>& totals,
                                          Duration send_end) {
  std::vector<SegmentRecord> segments;
  const std::size_t count = segment_count(shape);
  for (std::size_t i = 0; i < count; ++i) {
    if (is_warmup_segment(shape, i)) continue;
    const Duration begin = segment_start(shape, i);
    const Duration end = std::min(segment_start(shape, i + 1), send_end);
    if (end <= begin) break;
    SegmentRecord record;
    record.index = segments.size();
    record.start = begin;
    record.duration = end - begin;
    if (const auto* open = std::get_if<OpenLoop>(&shape)) {
      record.rate_begin = open->profile.segments()[i].rate_begin;
      record.rate_end = open->profile.segments()[i].rate_end;
    } else {
      record.users = std::get<ClosedLoop>(shape).profile.segments()[i].users;
    }
    for (WorkerTotals& t : totals) record.totals.merge(t.segments[i]);
    segments.push_back(std::move(record));
  }
  return segments;
}

}  // namespace

Result<void> ensure_fd_limit(std::uint64_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= needed) return {};
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    return fail(
        "--max-connections needs about {} file descriptors, but the hard limit is {} (ulimit -Hn); "
        "lower --max-connections or raise the hard limit (/etc/security/limits.conf, or "
        "LimitNOFILE= for a systemd service)",
        needed, limit.rlim_max);
  }
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return fail("cannot raise the open-file limit to {}: {}; lower --max-connections", needed,
                std::strerror(errno));
  }
  return {};
}

Result<RunResult> run_load(const RunConfig& config, RunObserver& observer) {
  constexpr std::uint64_t kSpareDescriptors = 64;
  if (auto ok = ensure_fd_limit(config.max_connections + kSpareDescriptors); !ok) {
    return tl::unexpected(ok.error());
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (config.url.tls) {
    auto context = make_client_tls_context(config.tls);
    if (!context) return tl::unexpected(context.error());
    tls = *context;
  }
  ConnectionOptions connection{.endpoint = {},
                               .host = config.url.host,
                               .tls = tls.get(),
                               .verify_host = !config.tls.insecure,
                               .connect_timeout = config.connect_timeout,
                               .request_timeout = config.request_timeout};
  auto endpoint = preflight(config.url, connection);
  if (!endpoint) return tl::unexpected(endpoint.error());
  connection.endpoint = *endpoint;

  RunResult result;
  RunAbort abort;
  result.address = endpoint_text(*endpoint);
  result.warmup = warmup_duration(config.load);
  observer.on_start(config, result.address);

  std::vector<std::unique_ptr<Worker>> workers;
  const unsigned threads = std::max(1u, config.threads);
  for (unsigned i = 0; i < threads; ++i) {
    const unsigned share =
        config.max_connections / threads + (i < config.max_connections % threads ? 1 : 0);
    WorkerSetup setup{.index = i,
                      .count = threads,
                      .load = &config.load,
                      .connection = &connection,
                      .throttle = &config.throttle,
                      .stop_on_error = &config.stop_on_error,
                      .abort = &abort,
                      .max_connections = std::max(1u, share),
                      .late_threshold_floor = config.late_threshold_floor,
                      .idle_timeout = config.idle_timeout,
                      .grace = config.grace,
                      .send_window = config.send_window,
                      .head_request = config.head_request,
                      .seed = config.seed};
    workers.push_back(std::make_unique<Worker>(setup, config.make_source(i)));
  }

  result.started_at = utc_now();
  const TimePoint start =
      SteadyClock::now() + 50ms;  // lets every thread be ready for the first send
  for (auto& worker : workers) worker->start(start);
  Controller controller(config, workers, observer, abort, start);
  controller.run();

  std::vector<WorkerTotals> totals;
  for (auto& worker : workers) {
    worker->join();
    totals.push_back(worker->take_totals());
  }
  result.interrupted_by = controller.stopped_by();
  result.stopped_early = abort.reason().value_or("");
  result.wall = controller.wall();
  result.measured = std::max(Duration{0}, controller.send_end() - result.warmup);
  result.segments = merge_segments(config.load, totals, controller.send_end());
  for (const SegmentRecord& segment : result.segments) result.total.merge(segment.totals);
  for (const WorkerTotals& t : totals) {
    result.statuses.merge(t.statuses);
    result.errors.merge(t.errors);
  }
  for (WindowRecord& window : controller.windows()) {
    if (!window.warmup) result.windows.push_back(std::move(window));
  }
  result.generator = check_generator(
      result.windows,
      SelfCheckLimits{.late_threshold = config.late_threshold_floor,
                      .max_connections = config.max_connections,
                      .closed_loop = std::holds_alternative<ClosedLoop>(config.load)});
  return result;
}

}  // namespace iuprobe
