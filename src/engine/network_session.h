// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "engine/plan_peers.h"
#include "engine/run_abort.h"
#include "engine/session.h"
#include "engine/target.h"
#include "http/client_connection.h"

namespace boost::asio {
class io_context;
}

namespace iuprobe {

class Worker;

struct SessionOptions {
  Target target;
  ConnectionSettings connection;
  SessionObserver* observer = nullptr;  // may be null; must outlive the session
  StopToken stop;                       // asks the session to stop (Ctrl-C, the live page, a test)
  // A plan's windows are kept one by one (0: the probe, whose judge reads every second), or
  // merged to at most this many points (a run of any length: WindowSeries::kRunPoints).
  std::size_t window_points = 0;
  ScheduleShare share;  // of every plan's schedule (MPI ranks); all of it by default
  // The ranks that send each plan with this process (must outlive the session; null: none).
  // It sets `share`; every rank opens its session and runs the same plans from the same start
  // (run_at); windows and totals are merged on rank 0, which also decides when a plan is done
  // and spreads stop requests and aborts to every rank.
  PlanPeers* peers = nullptr;
};

// The load session over sockets: worker threads (one event loop each), the TLS context and the
// connection pool are set up once and stay up while plans run one after another. A stop request
// ends the plan in progress (requests in flight get the grace period; a second request cuts
// them off) and every later one.
class NetworkSession final : public LoadSession {
 public:
  // Starts the workers after one pre-flight (DNS, connect, TLS handshake) whose connection is
  // the pool's first. Fails, naming the endpoint and what to check, when it cannot be reached.
  static Result<std::unique_ptr<NetworkSession>> open(SessionOptions options);
  ~NetworkSession() override;
  NetworkSession(const NetworkSession&) = delete;
  NetworkSession& operator=(const NetworkSession&) = delete;

  PlanResult run(const LoadShape& plan) override;
  // Runs `plan` with its schedule starting at `start` rather than now: processes that send one
  // schedule together (ScheduleShare) start it at one agreed moment. A start already past is
  // caught up on, and shows as late sends.
  // `ordered`: rank 0 has ordered this plan to every rank, so it runs (and exchanges its
  // windows) even if a stop came in since; the first window carries the stop.
  PlanResult run_at(const LoadShape& plan, TimePoint start, bool ordered = false);

  // Whether plans now return at once, marked: a stop was asked (here, or on rank 0 and heard
  // here) or an abort ended the load.
  bool ended() const;

  // The address actually connected to, "127.0.0.1:8080".
  const std::string& address() const { return address_; }
  const ConnectionSettings& settings() const { return options_.connection; }

 private:
  class PlanController;
  explicit NetworkSession(SessionOptions options);

  SessionOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  ConnectionOptions connection_;  // workers' connections refer to it
  RunAbort abort_;
  // The plans' controller loop runs on it. It lives as long as the session, not one plan: a
  // worker's thread may still hold its executor for a moment after handing a window over.
  std::unique_ptr<boost::asio::io_context> control_;
  std::vector<std::unique_ptr<Worker>> workers_;
  TimePoint opened_{};
  std::string address_;
  int stops_seen_ = 0;
  int stopped_by_ = 0;
  std::uint64_t plans_ = 0;
};

// Raises the soft RLIMIT_NOFILE to at least `needed` if the hard limit allows it.
Result<void> ensure_fd_limit(std::uint64_t needed);

}  // namespace iuprobe
