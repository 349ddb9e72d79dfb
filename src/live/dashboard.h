// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/stop.h"
#include "core/units.h"
#include "engine/session.h"

namespace iuprobe {

struct DashboardOptions {
  boost::asio::ip::tcp::endpoint endpoint;  // port 0 picks one
  bool require_token = false;               // --web-allow-remote: every request needs the token
  StopSource* stop = nullptr;               // what the Stop button asks (as Ctrl-C does)
};

// The live web page of a run or a probe (--web): serves the page, an event stream at 1 Hz
// (Server-Sent Events, with the history so far for pages opened mid-run) and a Stop button that
// asks the run to stop exactly as Ctrl-C does. It runs on its own thread and event loop, so open
// pages cost the load generator's workers nothing; publishing is a post to that loop. It answers
// nothing but its own few paths: no files, no directory listings.
class LiveDashboard {
 public:
  static Result<std::unique_ptr<LiveDashboard>> start(const DashboardOptions& options);
  ~LiveDashboard();
  LiveDashboard(const LiveDashboard&) = delete;
  LiveDashboard& operator=(const LiveDashboard&) = delete;

  // The address to open, with ?token= when one is needed.
  const std::string& url() const;
  // Seconds since the dashboard started: the page's time axis.
  double elapsed_s() const;
  // Sends an event to every open page and keeps it for pages opened later. Any thread.
  void publish(std::string_view type, boost::json::object data);
  // The final event, "done": the last one a page listens to. Any thread.
  void publish_done(boost::json::object data);
  // "status" event: one line of what is happening, as the terminal prints it.
  void status(std::string_view text);
  // Serves `body` at `path` from now on (the final report.html, result.json); each path once.
  // Any thread.
  void add_document(std::string path, std::string content_type, std::string body);
  // After the final event: keeps serving until every open page has fetched a document, for at
  // most `wait`. A new stop request (Ctrl-C) ends the wait early.
  void finish(Duration wait);
  // Pages with an open event stream.
  std::size_t viewers() const;
  // Whether the final event ("done") was published.
  bool ended() const;

 private:
  struct State;
  explicit LiveDashboard(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Publishes each second of a run as a "window" event, on the dashboard's clock.
class LiveRunFeed final : public SessionObserver {
 public:
  explicit LiveRunFeed(LiveDashboard& dashboard) : dashboard_(dashboard) {}
  void on_open(const Target& target, const ConnectionSettings& settings,
               std::string_view address) override;
  void on_window(const WindowRecord& window) override;
  void on_stopping(int signal_number) override;

 private:
  LiveDashboard& dashboard_;
  double offset_s_ = 0;  // the run's start on the dashboard's clock
};

// A "window" event's data: the report's series point at `offset_s` + its start, with what the
// generator self-check looks at (sent rate, late and queued fractions, busiest worker's CPU).
boost::json::object live_window_json(const WindowRecord& window, double offset_s);

// Two consecutive "window" events as one, for the history a long run keeps (EventLog): rates
// averaged over both, late and queued fractions over the requests of both, the higher latency
// percentiles, in-flight, connection and CPU peaks.
boost::json::object merge_live_windows(const boost::json::object& earlier,
                                       const boost::json::object& later);

}  // namespace iuprobe
