// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "live/dashboard.h"

namespace iuprobe {

// --web [ADDR:PORT] and --web-allow-remote, shared by run, probe and demo.
struct WebFlags {
  std::optional<std::string> listen;  // set when --web was given
  bool allow_remote = false;
};
inline constexpr const char* kDefaultWebAddress = "127.0.0.1:8089";

// How long iuprobe waits at the end for open pages to fetch the final result.
inline constexpr Duration kDashboardFinishWait = std::chrono::seconds(5);

// A command's side of the live page: says hello, feeds it, and always ends it with a "done"
// event (a command that fails part-way ends it as failed). The session that started the
// dashboard then gives open pages a moment to fetch the final documents before closing it.
// Does nothing without --web.
class LiveSession {
 public:
  // Starts the dashboard when flags.listen is set and prints its address; its Stop button asks
  // `stop` as Ctrl-C does.
  static Result<LiveSession> open(const WebFlags& flags, StopSource& stop);
  // A session on a dashboard somebody else owns (the demo's): it publishes, the owner closes.
  static LiveSession borrow(LiveDashboard* dashboard) { return LiveSession(dashboard, nullptr); }
  LiveSession(LiveSession&& other) noexcept;
  LiveSession& operator=(LiveSession&&) = delete;
  ~LiveSession();

  LiveDashboard* dashboard() const { return dashboard_; }
  void hello(std::string_view command, std::string_view target);
  void status(std::string_view text);
  void publish(std::string_view type, boost::json::object data);
  // The observer to add to a session's observers (nullptr without --web).
  SessionObserver* feed() { return feed_.get(); }
  // Remembers why the command failed, for the final event, and hands the error back:
  // `return live.fail(error);`.
  tl::unexpected<Error> fail(Error error);

  struct Document {
    std::string name;  // "report.html"
    std::filesystem::path path;
    std::string content_type;
  };
  // The final event: `details` (the answer, plans, summary…) plus the outcome (finished,
  // stopped or failed), the exit code and links to the documents, which are served from memory
  // from now on.
  void end(const Result<void>& outcome, boost::json::object details,
           const std::vector<Document>& documents);

 private:
  LiveSession(LiveDashboard* dashboard, std::unique_ptr<LiveDashboard> owned);
  std::unique_ptr<LiveDashboard> owned_;
  LiveDashboard* dashboard_ = nullptr;
  std::unique_ptr<LiveRunFeed> feed_;
  std::optional<Error> failure_;
};

}  // namespace iuprobe
