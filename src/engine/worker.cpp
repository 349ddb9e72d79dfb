// SPDX-License-Identifier: Apache-2.0
#include "engine/worker.h"

#include <fmt/format.h>
#include <sys/prctl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>

#include "engine/preflight.h"
#include "http/awaitable.h"
#include "http/classify.h"
#include "load/schedule.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
// A connection idle for longer than this is checked for a close by the server before reuse
// (one poll(2)); busier connections are not, which keeps high rates free of the system call.
constexpr Duration kCheckIdleAfter = std::chrono::milliseconds(10);

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

Worker::Worker(WorkerSetup setup, std::unique_ptr<RequestSource> source)
    : setup_(setup), source_(std::move(source)) {}

Worker::~Worker() {
  shutdown();
}

void Worker::adopt(std::unique_ptr<ClientConnection> connection) {
  assert(!thread_.joinable());  // before start(): see io_
  idle_.push_back(&add_slot(std::move(connection)));
}

void Worker::start() {
  last_collect_ = SteadyClock::now();
  guard_.emplace(io_.get_executor());
  io_.restart();  // the pre-flight may have run this loop to its end
  asio::co_spawn(io_, sweep(), kRethrow);
  thread_ = std::thread([this] {
    // Default timer slack (50 us) would blur a schedule with sub-millisecond spacing.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    last_cpu_seconds_ = thread_cpu_seconds();
    while (true) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        fail(e.what());
      } catch (...) {
        fail("an exception of unknown type");
      }
    }
  });
}

// The plan ends for this worker, whatever it had in flight: the controller must not wait for
// requests it can no longer account for, and the session refuses later plans (the abort).
void Worker::fail(std::string_view what) {
  setup_.abort->request(
      Error{ErrorKind::kInternal, fmt::format("internal error in a load worker: {}", what)});
  failed_.store(true, std::memory_order_release);
  plan_done_.store(true, std::memory_order_release);
}

void Worker::shutdown() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    shutting_down_ = true;
    stopping_ = true;
    backlog_.clear();
    send_timer_.cancel();
    drained_.cancel();
    backlog_timer_.cancel();
    for (auto& timer : user_timers_) timer->cancel();
    for (auto& slot : slots_) {
      slot->connection->abort();
      if (slot->idle.waiting()) slot->idle.wake_later();  // without a job: it ends
    }
    guard_.reset();
  });
  thread_.join();
}

void Worker::begin(const LoadShape& plan, TimePoint start, std::uint64_t plan_number) {
  plan_done_.store(false, std::memory_order_release);
  asio::post(io_, [this, &plan, start, plan_number] {
    plan_ = &plan;
    plan_start_ = start;
    plan_seed_ = setup_.seed + plan_number * 1'000'003;
    totals_ = PlanTotals{};
    totals_.phases.resize(segment_count(plan));
    growth_ = ConnectionGrowth(setup_.late_threshold_floor);  // not the last plan's pace
    user_timers_.clear();
    sending_done_ = false;
    stopping_ = false;
    stop_deadline_.reset();
    asio::co_spawn(io_, run_plan(), kRethrow);
  });
}

PlanTotals Worker::take_totals() {
  // A failed worker may still be writing its totals: they are not trusted, and not read.
  if (failed_.load(std::memory_order_acquire)) return {};
  return std::move(totals_);
}

void Worker::stop(bool immediately) {
  asio::post(io_, [this, immediately] {
    stopping_ = true;
    send_timer_.cancel();
    for (auto& timer : user_timers_) timer->cancel();
    backlog_.clear();
    const TimePoint deadline = SteadyClock::now() + (immediately ? Duration{0} : setup_.grace);
    if (!stop_deadline_ || deadline < *stop_deadline_) stop_deadline_ = deadline;
    notify_if_drained();
  });
}

LoadTask<WorkerReport> Worker::collect() {
  WorkerReport report;
  report.window = std::exchange(window_, Window{});
  report.in_flight = busy_;
  report.connections = static_cast<std::uint64_t>(std::count_if(
      slots_.begin(), slots_.end(), [](const auto& slot) { return slot->connection->is_open(); }));
  const TimePoint now = SteadyClock::now();
  const double cpu = thread_cpu_seconds();
  const double wall = to_seconds(now - last_collect_);
  report.cpu = wall > 0 ? (cpu - last_cpu_seconds_) / wall : 0;
  last_cpu_seconds_ = cpu;
  last_collect_ = now;
  report.plan_done = plan_done_.load(std::memory_order_relaxed);
  co_return report;
}

LoadTask<> Worker::run_plan() {
  if (const auto* open = std::get_if<OpenLoop>(plan_)) {
    co_await open_loop(*open);
  } else {
    start_users(std::get<ClosedLoop>(*plan_));
  }
  sending_done_ = true;
  while (busy_ > 0 || active_users_ > 0 || !backlog_.empty()) {
    drained_.expires_at(TimePoint::max());
    co_await drained_.async_wait(kLoadTuple);
    if (shutting_down_) co_return;
  }
  plan_done_.store(true, std::memory_order_release);
}

void Worker::notify_if_drained() {
  if (sending_done_ && busy_ == 0 && active_users_ == 0 && backlog_.empty()) drained_.cancel();
}

LoadTask<> Worker::open_loop(const OpenLoop& plan) {
  // Waking costs a timer re-arm and a context switch (most of the CPU per request at high
  // rates), so sends due within one send window of each other leave together, when the last of
  // them is due: at most one wake-up per window, and no send later than the window (a delay
  // inside the latency measured from the schedule). The workers take the schedule's windows in
  // turn, so that together they too wake about once per window. Answers that arrive between two
  // wake-ups are read at the second (answers_), timed by the kernel, and their exchanges finish
  // in place once the sends have left.
  const Duration window = setup_.send_window;
  ArrivalSchedule schedule(plan.profile, plan.arrivals, setup_.count, setup_.index, plan_seed_,
                           window);
  // "Late" means later than one interval of the whole schedule, and never less than the floor;
  // worked out again only when the rate changes (on a ramp, every send).
  double rate = -1;
  Duration late_after{};
  const auto job_of = [&](const ArrivalSchedule::Send& send) {
    if (send.rate != rate) {
      rate = send.rate;
      const Duration interval = rate > 0 ? from_seconds(1.0 / rate) : Duration::max();
      late_after = std::max(setup_.late_threshold_floor, interval);
    }
    return Job{.scheduled = plan_start_ + send.at,
               .phase_index = send.segment,
               .judged = is_judged(plan.profile.segments()[send.segment].phase),
               .late_after = late_after};
  };
  std::optional<ArrivalSchedule::Send> next = schedule.next();
  while (next && !stopping_) {
    // The group: the sends already due (they became due while the last group went out), or else
    // the sends due within one window of the first.
    const TimePoint first = plan_start_ + next->at;
    const TimePoint now = SteadyClock::now();
    const TimePoint last = first <= now ? now : first + window;
    due_now_.clear();
    do {
      due_now_.push_back(job_of(*next));
      next = schedule.next();
    } while (next && plan_start_ + next->at <= last);
    const TimePoint wake = due_now_.back().scheduled;
    if (wake > now) {
      send_timer_.expires_at(wake);
      co_await send_timer_.async_wait(kLoadTuple);
      if (stopping_) break;
    }
    const TimePoint woke = SteadyClock::now();
    if (woke - wake > quarter_horizon()) growth_.held_up(woke);
    if (answers_.take() > 0) growth_.answered(woke);
    // The next wake-up is due at most one window after the next group's first send.
    if (next) answers_.expect_read_at(plan_start_ + next->at + window);
    for (const Job& job : due_now_) {
      count_scheduled(job);
      dispatch(job);
    }
    // The answers read before the sends finish now, after them, in place.
    answers_.settle();
  }
  answers_.release();
}

void Worker::count_scheduled(const Job& job) {
  ++window_.scheduled;
  ++totals_.phases[job.phase_index].scheduled;
}

Worker::Started Worker::begin_send(Slot& slot, const Job& job) {
  const TimePoint now = SteadyClock::now();
  if (now - job.scheduled > job.late_after) {
    ++window_.late;
    ++totals_.phases[job.phase_index].late;
  }
  ClientConnection& connection = *slot.connection;
  // Servers close idle keep-alive connections (often silently, after their keep-alive timeout):
  // reconnect rather than write into one.
  if (connection.is_open() && now - connection.last_used() > kCheckIdleAfter &&
      (now - connection.last_used() > setup_.idle_timeout || connection.peer_closed()))
    connection.abort();
  const RequestView request = source_->next();
  ++window_.sent;
  ++totals_.phases[job.phase_index].sent;
  return {.at = now, .request = request};
}

// Not a coroutine: the caller awaits the connection's own.
LoadTask<ExchangeResult> Worker::exchange(Slot& slot, const Started& started) {
  return slot.connection->exchange(started.request.head, started.request.body, setup_.head_request,
                                   &answers_);
}

void Worker::finish_send(const Job& job, const Started& started, const ExchangeResult& result) {
  record(job, result, started.request.body_name);
  growth_.exchanged(started.at, SteadyClock::now());
}

// Asks whether this error should end the load (a model that is not running, refused credentials).
void Worker::note_error(const ExchangeResult& result, std::string_view type,
                        std::string_view body_name) {
  if (setup_.stop_on_error == nullptr || !*setup_.stop_on_error || setup_.abort->requested())
    return;
  const std::string message = error_message_of(result.body_prefix);
  const ErrorInfo info{
      .status = result.status, .type = type, .message = message, .body_name = body_name};
  if (auto reason = (*setup_.stop_on_error)(info)) setup_.abort->request(std::move(*reason));
}

void Worker::record(const Job& job, const ExchangeResult& result, std::string_view body_name) {
  // Requests cut off when the grace period ran out were abandoned by us, not failed by the server.
  if (!result.has_response() && stop_deadline_ && result.done >= *stop_deadline_) return;
  Outcome outcome = Outcome::kOk;
  if (result.has_response()) {
    std::string type;
    if (result.status < 200 || result.status >= 300) {
      type = error_type_of(result.error_type_header, result.body_prefix);
    }
    outcome = classify_response(result.status, type, *setup_.throttle);
    if (outcome == Outcome::kClientError || outcome == Outcome::kServerError) {
      note_error(result, type, body_name);
    }
    if (job.judged) {
      totals_.statuses.add(result.status);
      if (outcome == Outcome::kClientError && !body_name.empty()) {
        // Client errors are often about one input: say which.
        totals_.errors.add(result.status,
                           fmt::format("{}{}{}", type, type.empty() ? "" : ": ", body_name));
      } else if (outcome != Outcome::kOk) {
        totals_.errors.add(result.status, type);
      }
    }
  } else {
    outcome = result.timed_out ? Outcome::kTimeout : Outcome::kTransportError;
    if (job.judged) totals_.errors.add(0, describe_failure(result, *setup_.connection));
    if (!setup_.abort->requested()) {
      if (auto lost = trust_lost(result, *setup_.connection)) setup_.abort->request(*lost);
    }
  }
  for (Window* w : {&window_, &totals_.phases[job.phase_index]}) {
    ++w->count(outcome);
    w->bytes_sent += result.bytes_sent;
    w->bytes_received += result.bytes_received;
    if (outcome == Outcome::kOk) {
      w->latency.record(result.done - job.scheduled);
      w->service_latency.record(result.done - result.sent);
    }
  }
}

LoadTask<> Worker::sweep() {
  LoadTimer timer(io_);
  const Duration interval = std::clamp<Duration>(
      std::min(setup_.connection->request_timeout, setup_.connection->connect_timeout) / 20,
      std::chrono::milliseconds(1), std::chrono::milliseconds(50));
  while (!shutting_down_) {
    timer.expires_after(interval);
    co_await timer.async_wait(kLoadTuple);
    const TimePoint now = SteadyClock::now();
    const bool past_grace = stop_deadline_ && now >= *stop_deadline_;
    for (auto& slot : slots_) {
      if (!slot->busy) continue;
      if (past_grace) {
        slot->connection->abort();
      } else {
        slot->connection->expire(now);
      }
    }
    expire_backlog(now);
    close_idle(now);
  }
}

void Worker::start_users(const ClosedLoop& plan) {
  const unsigned users = UsersProfile::share(plan.profile.max_users(), setup_.count, setup_.index);
  for (unsigned local = 0; local < users; ++local) {
    user_timers_.push_back(std::make_unique<LoadTimer>(io_));
    ++active_users_;
    asio::co_spawn(io_, user(plan.profile, local, *user_timers_.back()), kRethrow);
  }
}

// One closed-loop user: a connection of its own for the plan, one request at a time.
LoadTask<> Worker::user(const UsersProfile& profile, unsigned local_user, LoadTimer& timer) {
  Slot& slot = take_slot();
  const auto active_in = [&](std::size_t segment) {
    return local_user <
           UsersProfile::share(profile.segments()[segment].users, setup_.count, setup_.index);
  };
  std::optional<TimePoint> last_start;
  while (!stopping_) {
    const TimePoint now = SteadyClock::now();
    if (now < plan_start_) {
      timer.expires_at(plan_start_);
      co_await timer.async_wait(kLoadTuple);
      continue;
    }
    if (now - plan_start_ >= profile.total_duration()) break;
    const std::size_t segment = profile.segment_at(now - plan_start_);
    if (!active_in(segment)) {
      std::size_t next = segment + 1;
      while (next < profile.segments().size() && !active_in(next)) ++next;
      if (next == profile.segments().size()) break;
      timer.expires_at(plan_start_ + profile.segment_start(next));
      co_await timer.async_wait(kLoadTuple);
      continue;
    }
    if (profile.pacing() && last_start && *last_start + *profile.pacing() > now) {
      timer.expires_at(*last_start + *profile.pacing());
      co_await timer.async_wait(kLoadTuple);
      continue;
    }
    last_start = now;
    const Job job{.scheduled = now,
                  .phase_index = segment,
                  .judged = is_judged(profile.segments()[segment].phase)};
    count_scheduled(job);
    slot.busy = true;
    ++busy_;
    const Started started = begin_send(slot, job);
    const ExchangeResult result = co_await exchange(slot, started);
    finish_send(job, started, result);
    slot.busy = false;
    --busy_;
  }
  idle_.push_back(&slot);
  --active_users_;
  notify_if_drained();
}

}  // namespace iuprobe
