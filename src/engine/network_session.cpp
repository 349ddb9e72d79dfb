// SPDX-License-Identifier: Apache-2.0
#include "engine/network_session.h"

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <thread>

#include "engine/preflight.h"
#include "engine/wire.h"
#include "engine/worker.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr Duration kPoll = 20ms;
// Workers are already up: a plan starts this soon after it is handed over.
constexpr Duration kLead = 2ms;

}  // namespace

// Runs one plan on the calling thread: collects a window from every worker each second (and
// at every phase boundary, so that each window lies within one phase), turns stop requests and
// aborts into worker stops, and ends when every worker has the plan's last outcome.
class NetworkSession::PlanController {
 public:
  PlanController(NetworkSession& session, const LoadShape& plan, TimePoint start,
                 PlanResult& result)
      : io_(*session.control_),
        session_(session),
        plan_(plan),
        start_(start),
        send_end_(total_duration(plan)),
        result_(result) {}

  // An exception from the loop (a bug, an observer's failure) leaves here.
  void run() {
    io_.restart();
    asio::co_spawn(io_, loop(), [](const std::exception_ptr& e) {
      if (e) std::rethrow_exception(e);
    });
    io_.run();
    result_.sent_for = send_end_;
  }

 private:
  asio::awaitable<void> loop() {
    asio::steady_timer timer(io_);
    TimePoint window_start = start_;
    for (std::size_t index = 0;; ++index) {
      const TimePoint tick = start_ + window_end(plan_, send_end_, window_start - start_);
      while (SteadyClock::now() < tick && !all_done()) {
        timer.expires_at(std::min(tick, SteadyClock::now() + kPoll));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        handle_stop();
        handle_abort();
      }
      WorkerReport mine{.plan_done = true};
      for (auto& worker : session_.workers_) {
        WorkerReport report =
            co_await asio::co_spawn(worker->executor(), worker->collect(), asio::use_awaitable);
        add(mine, report);
      }
      std::vector<WorkerReport> ranks;
      const bool done =
          session_.options_.peers != nullptr ? share_window(mine, ranks) : mine.plan_done;
      const TimePoint now = SteadyClock::now();
      WindowRecord record = describe(index, window_start, now, mine);
      for (std::size_t r = 0; r < ranks.size(); ++r) {
        result_.ranks[r].windows.push_back(describe(index, window_start, now, ranks[r]));
      }
      window_start = now;
      if (session_.options_.observer) session_.options_.observer->on_window(record);
      result_.windows.push_back(std::move(record));
      if (done) {
        result_.wall = now - start_;
        break;
      }
    }
  }

  // Sums a worker's (or a rank's) window into `into`.
  static void add(WorkerReport& into, const WorkerReport& report) {
    into.window.merge(report.window);
    into.in_flight += report.in_flight;
    into.connections += report.connections;
    into.cpu = std::max(into.cpu, report.cpu);  // the busiest worker thread
    into.plan_done = into.plan_done && report.plan_done;
  }

  WindowRecord describe(std::size_t index, TimePoint begin, TimePoint end,
                        const WorkerReport& report) const {
    WindowRecord record =
        make_window_record(index, begin - session_.opened_, end - begin, report.window);
    record.segment = segment_at(plan_, begin - start_);
    record.phase = segment_phase(plan_, record.segment);
    record.in_flight = report.in_flight;
    record.connections = report.connections;
    record.peak_worker_cpu = report.cpu;
    return record;
  }

  // With ranks: sends this rank's window to rank 0 and applies rank 0's verdict to this rank's
  // workers (stop, abort). On rank 0, `mine` becomes every rank's sum and `ranks` each rank's
  // part. Returns whether the plan is done on every rank. When the ranks cannot be reached,
  // the load ends here with the reason (the session's abort) and this rank finishes alone.
  bool share_window(WorkerReport& mine, std::vector<WorkerReport>& ranks) {
    PlanPeers& peers = *session_.options_.peers;
    if (peers_lost_) return mine.plan_done;
    const PeerFlags flags{.done = mine.plan_done,
                          .stop_requests = session_.options_.stop.requests(),
                          .stop_signal = session_.options_.stop.signal(),
                          .abort = session_.abort_.reason()};
    auto gathered = peers.gather(encode_window(mine, flags));
    if (!gathered) return lose_peers(gathered.error(), mine);
    std::string verdict;  // rank 0's; the others' is not sent
    if (peers.rank() == 0) verdict = encode_verdict(merge_ranks(*gathered, mine, ranks));
    auto answer = peers.broadcast(std::move(verdict));
    if (!answer) return lose_peers(answer.error(), mine);
    auto decided = decode_verdict(*answer);
    if (!decided) return lose_peers(decided.error(), mine);
    if (decided->abort) session_.abort_.request(*decided->abort);  // the first reason stays
    handle_abort();
    apply_stop(decided->stop_requests, decided->stop_signal);
    // Done everywhere but here (rank 0 could not read a rank's window, and the abort it spread
    // has not yet ended this rank's requests): finish alone, without more exchanges.
    if (decided->done && !mine.plan_done) peers_lost_ = true;
    return decided->done && mine.plan_done;
  }

  // Rank 0: the verdict on every rank's window, their sum in `sum`, and each in `ranks`.
  PeerFlags merge_ranks(const std::vector<std::string>& messages, WorkerReport& sum,
                        std::vector<WorkerReport>& ranks) const {
    PeerFlags verdict{.done = true};
    sum = WorkerReport{.plan_done = true};
    ranks.assign(messages.size(), WorkerReport{});
    for (std::size_t r = 0; r < messages.size(); ++r) {
      auto message = decode_window(messages[r]);
      if (!message) {  // the load cannot be counted: end it everywhere
        if (!verdict.abort) verdict.abort = message.error();
        continue;
      }
      auto& [report, flags] = *message;
      add(sum, report);
      verdict.done = verdict.done && flags.done;
      verdict.stop_requests = std::max(verdict.stop_requests, flags.stop_requests);
      if (verdict.stop_signal == 0) verdict.stop_signal = flags.stop_signal;
      if (!verdict.abort) verdict.abort = std::move(flags.abort);
      ranks[r] = std::move(report);
    }
    return verdict;
  }

  bool lose_peers(Error why, const WorkerReport& mine) {
    peers_lost_ = true;
    session_.options_.peers->abandon(why);  // no later call may pair with the others' calls
    session_.abort_.request(std::move(why));
    handle_abort();
    return mine.plan_done;
  }

  bool all_done() const {
    return std::all_of(session_.workers_.begin(), session_.workers_.end(),
                       [](const auto& w) { return w->plan_done(); });
  }

  void end_sending_now() {
    send_end_ = std::min(send_end_, std::max(Duration{0}, SteadyClock::now() - start_));
  }

  // A worker saw an answer that makes going on pointless: stop everything now.
  void handle_abort() {
    if (aborted_ || !session_.abort_.requested()) return;
    aborted_ = true;
    end_sending_now();
    for (auto& worker : session_.workers_) worker->stop(/*immediately=*/true);
  }

  // The first request stops sending and gives requests in flight the grace period; the next
  // one (even in the same poll) cuts them off. With ranks, any rank's requests count (rank 0's
  // verdict carries them).
  void handle_stop() {
    apply_stop(session_.options_.stop.requests(), session_.options_.stop.signal());
  }

  void apply_stop(int requests, int signal) {
    if (requests <= session_.stops_seen_) return;
    if (session_.stops_seen_ == 0) {
      session_.stopped_by_ = signal;
      end_sending_now();
      if (session_.options_.observer) session_.options_.observer->on_stopping(session_.stopped_by_);
    }
    session_.stops_seen_ = requests;
    for (auto& worker : session_.workers_) worker->stop(/*immediately=*/requests >= 2);
  }

  asio::io_context& io_;
  NetworkSession& session_;
  const LoadShape& plan_;
  TimePoint start_;
  Duration send_end_;
  PlanResult& result_;
  bool aborted_ = false;
  bool peers_lost_ = false;
};

namespace {

// The workers' totals of one plan as one.
PlanTotals sum(std::vector<PlanTotals> parts) {
  PlanTotals total;
  for (PlanTotals& part : parts) {
    if (total.phases.size() < part.phases.size()) total.phases.resize(part.phases.size());
    for (std::size_t i = 0; i < part.phases.size(); ++i) total.phases[i].merge(part.phases[i]);
    total.statuses.merge(part.statuses);
    total.errors.merge(part.errors);
  }
  return total;
}

// With ranks: this rank's totals go to rank 0, which gets every rank's (in rank order, each
// also kept in `result.ranks`); the others keep their own. When a rank cannot be reached or
// read, rank 0 keeps what it has and the session ends its load with the reason.
std::vector<PlanTotals> gather_totals(PlanPeers& peers, std::vector<PlanTotals> workers,
                                      PlanResult& result, RunAbort& abort) {
  PlanTotals mine = sum(std::move(workers));
  auto gathered = peers.gather(encode_totals(mine));
  if (!gathered) {
    abort.request(gathered.error());
    return {std::move(mine)};
  }
  if (peers.rank() != 0) return {std::move(mine)};
  std::vector<PlanTotals> ranks;
  for (const std::string& message : *gathered) {
    auto totals = decode_totals(message);
    if (!totals) {
      abort.request(totals.error());
      return {std::move(mine)};
    }
    ranks.push_back(std::move(*totals));
  }
  for (std::size_t r = 0; r < ranks.size() && r < result.ranks.size(); ++r) {
    result.ranks[r].phases = ranks[r].phases;
  }
  return ranks;
}

}  // namespace

Result<void> ensure_fd_limit(std::uint64_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= needed) return {};
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    return fail(ErrorKind::kUsage,
                "--max-connections needs about {} file descriptors, but the hard limit is {} "
                "(ulimit -Hn); lower --max-connections or raise the hard limit "
                "(/etc/security/limits.conf, or LimitNOFILE= for a systemd service)",
                needed, limit.rlim_max);
  }
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return fail(ErrorKind::kUsage,
                "cannot raise the open-file limit to {}: {}; lower --max-connections", needed,
                std::strerror(errno));
  }
  return {};
}

NetworkSession::NetworkSession(SessionOptions options)
    : options_(std::move(options)), control_(std::make_unique<asio::io_context>(1)) {}

NetworkSession::~NetworkSession() {
  for (auto& worker : workers_) worker->shutdown();
}

Result<std::unique_ptr<NetworkSession>> NetworkSession::open(SessionOptions options) {
  constexpr std::uint64_t kSpareDescriptors = 64;
  if (auto ok = ensure_fd_limit(options.connection.max_connections + kSpareDescriptors); !ok)
    return tl::unexpected(ok.error());
  if (options.peers != nullptr) options.share = {options.peers->rank(), options.peers->size()};
  if (options.share.of == 0 || options.share.index >= options.share.of) {
    return fail(ErrorKind::kInternal, "share {} of {} of a schedule does not exist",
                options.share.index, options.share.of);
  }
  std::unique_ptr<NetworkSession> session(new NetworkSession(std::move(options)));
  NetworkSession& s = *session;
  const Target& target = s.options_.target;
  const ConnectionSettings& settings = s.options_.connection;
  if (target.url.tls) {
    auto context = make_client_tls_context(target.tls);
    if (!context) return tl::unexpected(context.error());
    s.tls_ = *context;
  }
  s.connection_ = ConnectionOptions{.endpoint = {},
                                    .host = target.url.host,
                                    .tls = s.tls_.get(),
                                    .verify_host = !target.tls.insecure,
                                    .connect_timeout = settings.connect_timeout,
                                    .request_timeout = settings.request_timeout};
  const unsigned threads = std::max(1u, settings.threads);
  const ScheduleShare& part = s.options_.share;
  for (unsigned i = 0; i < threads; ++i) {
    const unsigned share =
        settings.max_connections / threads + (i < settings.max_connections % threads ? 1 : 0);
    WorkerSetup setup{.index = part.stripe(i),
                      .count = part.stripes(threads),
                      .connection = &s.connection_,
                      .throttle = &target.throttle,
                      .stop_on_error = &target.stop_on_error,
                      .abort = &s.abort_,
                      .max_connections = std::max(1u, share),
                      .late_threshold_floor = settings.late_threshold_floor,
                      .idle_timeout = settings.idle_timeout,
                      .grace = settings.grace,
                      .send_window = settings.send_window,
                      .head_request = target.head_request,
                      .seed = settings.seed};
    s.workers_.push_back(std::make_unique<Worker>(setup, target.make_source(part.stripe(i))));
  }
  auto first = preflight(target.url, s.connection_, s.workers_.front()->io());
  if (!first) return tl::unexpected(first.error());
  s.workers_.front()->adopt(std::move(*first));
  s.address_ = endpoint_text(s.connection_.endpoint);
  for (auto& worker : s.workers_) worker->start();
  s.opened_ = SteadyClock::now();
  if (s.options_.observer) s.options_.observer->on_open(target, settings, s.address_);
  return session;
}

bool NetworkSession::ended() const {
  return stops_seen_ > 0 || options_.stop.stop_requested() || abort_.requested();
}

PlanResult NetworkSession::run(const LoadShape& plan) {
  return run_at(plan, SteadyClock::now() + kLead);
}

PlanResult NetworkSession::run_at(const LoadShape& plan, TimePoint start, bool ordered) {
  PlanResult result;
  result.windows = WindowSeries(options_.window_points);
  result.start = SteadyClock::now() - opened_;
  if (ended() && !(ordered && options_.peers != nullptr)) {
    result.stopped_by = stopped_by_ != 0 ? stopped_by_ : options_.stop.signal();
    result.aborted = abort_.reason();
    return result;
  }
  result.start = start - opened_;
  PlanPeers* peers = options_.peers;
  if (peers != nullptr && peers->rank() == 0) {
    result.ranks.assign(peers->size(), RankPlan{.windows = WindowSeries(options_.window_points)});
  }
  ++plans_;
  for (auto& worker : workers_) worker->begin(plan, start, plans_);
  try {
    PlanController(*this, plan, start, result).run();
  } catch (...) {
    // The workers must let go of `plan` before the caller's copy of it goes: stop them, and
    // wait until their requests in flight are cut off (the sweep does it within 50 ms).
    for (auto& worker : workers_) worker->stop(/*immediately=*/true);
    while (!std::all_of(workers_.begin(), workers_.end(),
                        [](const auto& w) { return w->plan_done(); }))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    throw;
  }

  std::vector<PlanTotals> totals;
  for (auto& worker : workers_) totals.push_back(worker->take_totals());
  if (peers != nullptr) totals = gather_totals(*peers, std::move(totals), result, abort_);
  for (std::size_t i = 0; i < segment_count(plan); ++i) {
    const Duration begin = segment_start(plan, i);
    const Duration end = std::min(segment_start(plan, i + 1), result.sent_for);
    if (end <= begin) break;
    PhaseRecord record{.index = i,
                       .phase = segment_phase(plan, i),
                       .start = result.start + begin,
                       .duration = end - begin};
    if (const auto* open = std::get_if<OpenLoop>(&plan)) {
      record.rate_begin = open->profile.segments()[i].rate_begin;
      record.rate_end = open->profile.segments()[i].rate_end;
    } else {
      record.users = std::get<ClosedLoop>(plan).profile.segments()[i].users;
    }
    for (PlanTotals& t : totals) {
      if (i < t.phases.size()) record.totals.merge(t.phases[i]);
    }
    result.phases.push_back(std::move(record));
  }
  for (const PlanTotals& t : totals) {
    result.statuses.merge(t.statuses);
    result.errors.merge(t.errors);
  }
  result.stopped_by = stopped_by_;
  result.aborted = abort_.reason();
  return result;
}

}  // namespace iuprobe
