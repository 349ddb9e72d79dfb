// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/units.h"
#include "engine/plan_peers.h"

namespace iuprobe::testing {

// Ranks as threads of one process, for the engine's tests of several ranks: every call is a
// collective that completes once each rank has made it, or fails, naming the ranks missing,
// when one has not within the deadline (a rank that "died" simply stops calling). After a
// failure every call fails, as MPI's transport does.
class ThreadGroup {
 public:
  ThreadGroup(unsigned size, Duration deadline) : size_(size), deadline_(deadline) {}

  class Peer final : public PlanPeers {
   public:
    Peer(ThreadGroup& group, unsigned rank) : group_(group), rank_(rank) {}
    unsigned rank() const override { return rank_; }
    unsigned size() const override { return group_.size_; }
    std::string host() const override { return fmt::format("thread{}", rank_); }
    Result<std::vector<std::string>> gather(std::string mine) override {
      if (abandoned_) return tl::unexpected(*abandoned_);
      auto all = group_.exchange(rank_, round_++, std::move(mine));
      if (!all) return tl::unexpected(all.error());
      if (rank_ != 0) return std::vector<std::string>{};
      return all;
    }
    Result<std::string> broadcast(std::string from_rank0) override {
      if (abandoned_) return tl::unexpected(*abandoned_);
      auto all = group_.exchange(rank_, round_++, std::move(from_rank0));
      if (!all) return tl::unexpected(all.error());
      return all->front();
    }
    Result<std::string> await_broadcast(StopToken stop) override {
      if (abandoned_) return tl::unexpected(*abandoned_);
      auto all = group_.exchange(rank_, round_++, {}, stop);
      if (!all) return tl::unexpected(all.error());
      return all->front();
    }

    void abandon(Error why) override {
      if (!abandoned_) abandoned_ = std::move(why);
    }

   private:
    ThreadGroup& group_;
    unsigned rank_;
    std::uint64_t round_ = 0;
    std::optional<Error> abandoned_;
  };

  Peer peer(unsigned rank) { return Peer(*this, rank); }

 private:
  struct Round {
    std::vector<std::optional<std::string>> messages;
    unsigned readers = 0;
  };

  // A collective: waits for every rank's message until the deadline or, given `patient`, until
  // it asks to stop.
  Result<std::vector<std::string>> exchange(unsigned rank, std::uint64_t index, std::string mine,
                                            std::optional<StopToken> patient = std::nullopt) {
    std::unique_lock lock(mutex_);
    Round& round = rounds_[index];
    round.messages.resize(size_);
    round.messages[rank] = std::move(mine);
    changed_.notify_all();
    const auto complete = [&] {
      for (const auto& m : round.messages) {
        if (!m) return false;
      }
      return true;
    };
    if (patient) {
      while (!failure_ && !complete()) {
        if (patient->stop_requested()) {
          return tl::unexpected(Error{.kind = ErrorKind::kInterrupted, .message = "stopped"});
        }
        changed_.wait_for(lock, std::chrono::milliseconds(10));
      }
    }
    if (!failure_ && !changed_.wait_for(lock, deadline_, [&] { return failure_ || complete(); })) {
      std::string missing;
      for (unsigned r = 0; r < size_; ++r) {
        if (!round.messages[r]) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", r);
      }
      failure_ = Error{.kind = ErrorKind::kNetwork,
                       .message = fmt::format("rank {} did not answer within {}", missing,
                                              format_duration(deadline_))};
      changed_.notify_all();
    }
    if (failure_) return tl::unexpected(*failure_);
    std::vector<std::string> all;
    for (const auto& m : round.messages) all.push_back(*m);
    if (++round.readers == size_) rounds_.erase(index);
    return all;
  }

  unsigned size_;
  Duration deadline_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Round> rounds_;
  std::optional<Error> failure_;
};

}  // namespace iuprobe::testing
