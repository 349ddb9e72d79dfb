// SPDX-License-Identifier: Apache-2.0
// The worker's connection pool: which connection a send takes, when the pool grows, and how
// connections go back to it. worker.cpp runs the plans and records their outcomes.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>

#include "engine/worker.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
constexpr std::size_t kMaxDials = 32;  // connections being opened at once, per worker

}  // namespace

// A send takes an idle connection if there is one. Otherwise it waits in the backlog, and new
// connections are opened while the waiting sends outnumber the connections being opened and
// what the busy ones will serve within the lateness threshold's floor, at their recent pace
// (ConnectionGrowth), with no more than kMaxDials being opened at once: whichever frees up
// first, an answered connection or a new one, serves the oldest waiting send. Opening one
// connection per waiting send balloons the pool on every scheduling hiccup at high rates (to
// 1,000 in 200 ms at 40,000/s on nginx).
void Worker::dispatch(const Job& job) {
  if (!idle_.empty()) {
    Slot* slot = idle_.back();
    idle_.pop_back();
    slot->busy = true;
    ++busy_;
    // The coroutine that last served the slot sends this one, as a new coroutine would: at
    // once, before dispatch() returns. Spawning one per send cost two frames and two queued
    // completions.
    if (slot->idle.waiting()) {
      slot->job = job;
      slot->idle.wake_now();
    } else {
      asio::co_spawn(io_, serve(*slot, job), kRethrow);
    }
    return;
  }
  backlog_.push_back(job);
  if (slots_.size() >= setup_.max_connections) {
    ++window_.queued;
    ++totals_.phases[job.phase_index].queued;
    return;
  }
  open_for_backlog(SteadyClock::now());
  if (!watching_backlog_) {
    watching_backlog_ = true;
    asio::co_spawn(io_, watch_backlog(), kRethrow);
  }
}

void Worker::open_for_backlog(TimePoint now) {
  while (!backlog_.empty() && slots_.size() < setup_.max_connections && connecting_ < kMaxDials &&
         growth_.need_more(backlog_.size(), connecting_,
                           busy_ - std::min<std::size_t>(busy_, connecting_), now)) {
    Slot& slot = add_slot();
    slot.busy = true;
    ++busy_;
    ++connecting_;
    asio::co_spawn(io_, connect_and_serve(slot), kRethrow);
  }
}

// While sends wait for a connection, their need is looked at again every quarter of the
// horizon: busy connections that stop answering (a stalled server) no longer count, and the
// waiting sends get connections of their own even when no new send comes.
LoadTask<> Worker::watch_backlog() {
  while (!backlog_.empty() && slots_.size() < setup_.max_connections && !shutting_down_) {
    backlog_timer_.expires_after(quarter_horizon());
    co_await backlog_timer_.async_wait(kLoadTuple);
    if (shutting_down_) break;
    const TimePoint now = SteadyClock::now();
    if (now - backlog_timer_.expiry() > quarter_horizon()) growth_.held_up(now);
    open_for_backlog(now);
  }
  watching_backlog_ = false;
}

LoadTask<> Worker::connect_and_serve(Slot& slot) {
  while (true) {
    const ExchangeResult opened = co_await slot.connection->open();
    --connecting_;
    if (opened.has_response()) {
      co_await serve(slot, std::nullopt);
      co_return;
    }
    // The send that has waited longest fails with the reason; while sends still wait and no
    // other connection is being opened for them, try again for the next one.
    if (backlog_.empty() || stopping_) break;
    const Job job = backlog_.front();
    backlog_.pop_front();
    record(job, opened, {});
    if (backlog_.empty() || connecting_ >= std::min(backlog_.size(), kMaxDials)) break;
    ++connecting_;
  }
  release(slot);
}

// Serves `job` if given, then whatever waits in the backlog, then goes back to the idle list
// and waits there for dispatch() to hand it the next send; ends at the shutdown.
LoadTask<> Worker::serve(Slot& slot, std::optional<Job> job) {
  while (true) {
    if (!job) {
      if (backlog_.empty() || stopping_) {
        release(slot);
        if (shutting_down_) co_return;
        co_await slot.idle.wait();
        if (!slot.job) co_return;  // the shutdown
        job = std::exchange(slot.job, std::nullopt);
        continue;
      }
      job = backlog_.front();
      backlog_.pop_front();
    }
    const Started started = begin_send(slot, *job);
    const ExchangeResult result = co_await exchange(slot, started);
    finish_send(*job, started, result);
    job.reset();
  }
}

void Worker::release(Slot& slot) {
  slot.busy = false;
  --busy_;
  idle_.push_back(&slot);
  notify_if_drained();
}

// Idle connections left over from a busier moment are closed after the idle timeout; the
// most recently used ones sit on top of the idle stack and are reused first.
void Worker::close_idle(TimePoint now) {
  for (Slot* slot : idle_) {
    ClientConnection& connection = *slot->connection;
    if (connection.is_open() && now - connection.last_used() > setup_.idle_timeout)
      connection.abort();
  }
}

Worker::Slot& Worker::add_slot(std::unique_ptr<ClientConnection> connection) {
  auto slot = std::make_unique<Slot>(io_.get_executor());
  slot->connection = connection ? std::move(connection)
                                : ClientConnection::create(io_.get_executor(), *setup_.connection);
  slots_.push_back(std::move(slot));
  return *slots_.back();
}

// A closed-loop user's own connection for the plan: an idle one, else a new one.
Worker::Slot& Worker::take_slot() {
  if (idle_.empty()) return add_slot();
  Slot* slot = idle_.back();
  idle_.pop_back();
  return *slot;
}

void Worker::expire_backlog(TimePoint now) {
  bool expired = false;
  while (!backlog_.empty() &&
         now - backlog_.front().scheduled >= setup_.connection->request_timeout) {
    const Job job = backlog_.front();
    backlog_.pop_front();
    expired = true;
    ++window_.count(Outcome::kTimeout);
    ++totals_.phases[job.phase_index].count(Outcome::kTimeout);
    if (job.judged) totals_.errors.add(0, "no connection became free within the request timeout");
  }
  if (expired) notify_if_drained();
}

}  // namespace iuprobe
