// SPDX-License-Identifier: Apache-2.0
#include "app/ranks.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "app/exit_codes.h"
#include "app/options.h"
#include "engine/window_series.h"

namespace iuprobe {

namespace {

// How long after each other the ranks may reach agree_ready: opening a session takes up to the
// connect timeout (DNS, connect, TLS), and a launcher starts ranks on other hosts seconds apart.
Duration opening_time(const ConnectionSettings& connection) {
  return connection.connect_timeout + std::chrono::seconds(10);
}

// This rank's session, opened from `options` (or their error), and every rank's host once all
// agreed that their sessions opened. Each rank takes part whether its own opened or not, so that
// none waits in vain; `session` holds this rank's own failure, `hosts` another rank's.
struct Opened {
  Result<std::unique_ptr<NetworkSession>> session;
  Result<std::vector<std::string>> hosts;
};

Opened open_on_every_rank(Result<SessionOptions> options, PlanPeers& peers) {
  const Duration opening = opening_time(options ? options->connection : ConnectionSettings{});
  Result<std::unique_ptr<NetworkSession>> session =
      options ? NetworkSession::open(std::move(*options)) : tl::unexpected(options.error());
  std::optional<Error> mine;
  if (!session) mine = session.error();
  auto hosts = agree_ready(peers, mine, opening);
  return {std::move(session), std::move(hosts)};
}

}  // namespace

Result<std::unique_ptr<MpiPeers>> join_ranks(std::string_view command) {
  if (!launched_as_mpi_rank()) return nullptr;
  if (command != "run" && command != "probe") {
    return fail(ErrorKind::kUsage,
                "iuprobe {} runs as one process: only run and probe send load from several MPI "
                "ranks; start it without mpirun",
                command);
  }
  auto peers = MpiPeers::start();
  if (!peers) return tl::unexpected(peers.error());
  if ((*peers)->size() < 2) return nullptr;  // -np 1: one process, MPI finalized here
  return std::move(*peers);
}

Result<RankedLoad> open_ranked_load(SessionOptions options) {
  PlanPeers* peers = options.peers;
  if (peers == nullptr) {
    auto session = NetworkSession::open(std::move(options));
    if (!session) return tl::unexpected(session.error());
    return RankedLoad{.session = std::move(*session)};
  }
  auto [session, hosts] = open_on_every_rank(std::move(options), *peers);
  if (!session) return tl::unexpected(session.error());
  if (!hosts) return tl::unexpected(hosts.error());
  RankedLoad load{.session = std::move(*session), .hosts = std::move(*hosts)};
  load.ranked = std::make_unique<RankedSession>(*load.session, *peers);
  return load;
}

tl::unexpected<Error> refuse_ranks(PlanPeers* peers, Error failure) {
  if (peers != nullptr) (void)agree_ready(*peers, failure, opening_time(ConnectionSettings{}));
  return tl::unexpected(std::move(failure));
}

int serve_rank(Result<SessionOptions> options, PlanPeers& peers) {
  const std::string me = fmt::format("rank {} ({})", peers.rank(), peers.host());
  const auto own_failure = [&](Error failure) {
    failure.message = fmt::format("{}: {}", me, failure.message);
    print_error(failure);
    return exit_code(failure);
  };
  // This rank's own signals are not obeyed: the launcher sends every rank the same SIGUSR1 (or
  // SIGTERM), and rank 0 stops every rank at the same window, or ends them when it ends. A rank
  // leaving on its own would look lost to rank 0, or leave a message of rank 0's unreceived,
  // and MPI_Finalize on rank 0 would wait for it for ever.
  const StopSource never;
  if (options) {
    options->observer = nullptr;
    options->stop = never.token();
    options->window_points = WindowSeries::kRunPoints;
    options->peers = &peers;
  }
  auto [session, ready] = open_on_every_rank(std::move(options), peers);
  if (!session) return own_failure(session.error());
  // Another rank's failure: rank 0 names it.
  if (!ready) return exit_code(ready.error());
  auto served = serve_plans(**session, peers, never.token());
  if (served) return 0;
  return own_failure(served.error());
}

std::string describe_ranks(const std::vector<std::string>& hosts) {
  std::vector<std::pair<std::string, std::size_t>> per_host;
  for (const std::string& host : hosts) {
    auto known = std::find_if(per_host.begin(), per_host.end(),
                              [&](const auto& counted) { return counted.first == host; });
    if (known == per_host.end()) {
      per_host.emplace_back(host, 1);
    } else {
      ++known->second;
    }
  }
  std::string text = fmt::format("{} MPI ranks send one schedule, from ", hosts.size());
  for (std::size_t i = 0; i < per_host.size(); ++i)
    text += fmt::format("{}{} ({})", i > 0 ? ", " : "", per_host[i].first, per_host[i].second);
  return text;
}

}  // namespace iuprobe
