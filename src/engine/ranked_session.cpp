// SPDX-License-Identifier: Apache-2.0
#include "engine/ranked_session.h"

#include <fmt/format.h>

#include "engine/wire.h"

namespace iuprobe {
namespace {

// A moment on the system clock (which synchronised hosts share) on this host's steady clock.
TimePoint local_time(std::chrono::system_clock::time_point at) {
  return SteadyClock::now() +
         std::chrono::duration_cast<Duration>(at - std::chrono::system_clock::now());
}

// agree_ready's exchange: every rank's outcome to rank 0, rank 0's verdict to all.
Result<std::vector<std::string>> agree(PlanPeers& peers, const std::optional<Error>& mine) {
  auto answers = peers.gather(encode_ready(peers.host(), mine));
  if (!answers) return tl::unexpected(answers.error());
  std::vector<std::string> hosts;
  std::optional<Error> first;
  for (std::size_t r = 0; r < answers->size(); ++r) {
    auto ready = decode_ready((*answers)[r]);
    if (!ready) {
      if (!first) first = ready.error();
      hosts.emplace_back("?");
      continue;
    }
    auto& [host, failure] = *ready;
    if (failure && !first) {
      first = Error{.kind = failure->kind,
                    .message = fmt::format("rank {} ({}): {}", r, host, failure->message)};
    }
    hosts.push_back(std::move(host));
  }
  auto verdict = peers.broadcast(encode_ready(peers.host(), first));
  if (!verdict) return tl::unexpected(verdict.error());
  auto decided = decode_ready(*verdict);
  if (!decided) return tl::unexpected(decided.error());
  if (decided->second) return tl::unexpected(*decided->second);
  return hosts;
}

}  // namespace

Result<std::vector<std::string>> agree_ready(PlanPeers& peers, const std::optional<Error>& mine,
                                             Duration opening) {
  // The ranks reach this after opening their sessions, which takes each up to `opening`.
  peers.wait_longer(opening);
  auto answers = agree(peers, mine);
  peers.wait_longer(Duration{0});
  return answers;
}

PlanResult RankedSession::run(const LoadShape& plan) {
  // After a stop or an abort, a plan returns at once on every rank without a word between
  // them (the others end theirs the same way, or wait for the next order).
  if (session_.ended() || lost_) {
    PlanResult result = session_.run_at(plan, SteadyClock::now());
    if (lost_ && !result.aborted) result.aborted = lost_;
    return result;
  }
  const auto start = std::chrono::system_clock::now() + kLead;
  if (auto sent = peers_.broadcast(encode_order({.plan = plan, .start = start})); !sent) {
    lost_ = sent.error();
    PlanResult result;
    result.aborted = lost_;
    return result;
  }
  // Ordered: every rank runs this plan's exchanges now, even if a stop came in meanwhile (the
  // first window carries it).
  return session_.run_at(plan, local_time(start), /*ordered=*/true);
}

void RankedSession::finish() {
  if (std::exchange(finished_, true) || lost_) return;
  // Best effort: a rank that cannot be told is ended by its launcher.
  (void)peers_.broadcast(encode_order({}));
}

Result<void> serve_plans(NetworkSession& session, PlanPeers& peers, StopToken stop) {
  for (;;) {
    auto text = peers.await_broadcast(stop);
    if (!text) return tl::unexpected(text.error());
    auto order = decode_order(*text);
    if (!order) return tl::unexpected(order.error());
    if (!order->plan) return {};
    const PlanResult result =
        session.run_at(*order->plan, local_time(order->start), /*ordered=*/true);
    (void)result;  // rank 0 has every rank's counts
  }
}

}  // namespace iuprobe
