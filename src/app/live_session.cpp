// SPDX-License-Identifier: Apache-2.0
#include "app/live_session.h"

#include <fmt/format.h>

#include <utility>

#include "app/exit_codes.h"
#include "http/bodies.h"
#include "http/url.h"

namespace iuprobe {

Result<LiveSession> LiveSession::open(const WebFlags& flags, StopSource& stop) {
  if (!flags.listen) return LiveSession(nullptr, nullptr);
  auto endpoint = parse_listen_address(*flags.listen, "--web");
  if (!endpoint) return tl::unexpected(endpoint.error());
  if (!endpoint->address().is_loopback() && !flags.allow_remote) {
    return iuprobe::fail(
        ErrorKind::kUsage,
        "--web {}: not a loopback address, so anyone who can reach it could watch and stop the "
        "run. Use SSH port forwarding to a loopback address (see README.md), or add "
        "--web-allow-remote: iuprobe then prints a token that every request must carry",
        *flags.listen);
  }
  auto dashboard = LiveDashboard::start({*endpoint, flags.allow_remote, &stop});
  if (!dashboard) {
    return iuprobe::fail(ErrorKind::kUsage,
                         "--web {}: {} (give another ADDRESS:PORT, or port 0 to pick a free one)",
                         *flags.listen, dashboard.error().message);
  }
  fmt::print("dashboard  {}  (the page's Stop button ends the run as Ctrl-C does)\n",
             (*dashboard)->url());
  if (endpoint->address().is_unspecified())
    fmt::print("           {} means every interface: open it with this machine's address\n",
               endpoint->address().to_string());
  std::fflush(stdout);
  LiveDashboard* raw = dashboard->get();
  return LiveSession(raw, std::move(*dashboard));
}

LiveSession::LiveSession(LiveDashboard* dashboard, std::unique_ptr<LiveDashboard> owned)
    : owned_(std::move(owned)), dashboard_(dashboard) {
  if (dashboard_) feed_ = std::make_unique<LiveRunFeed>(*dashboard_);
}

LiveSession::LiveSession(LiveSession&& other) noexcept
    : owned_(std::move(other.owned_)),
      dashboard_(std::exchange(other.dashboard_, nullptr)),
      feed_(std::move(other.feed_)),
      failure_(std::move(other.failure_)) {}

LiveSession::~LiveSession() {
  if (dashboard_ && !dashboard_->ended()) {
    const Error error = failure_.value_or(Error{ErrorKind::kInternal, "see the terminal"});
    end(tl::unexpected(error), {{"reason", error.message}}, {});
  }
  if (owned_) {
    if (owned_->viewers() > 0)
      fmt::print("dashboard  letting {} open page(s) fetch the result\n", owned_->viewers());
    owned_->finish(kDashboardFinishWait);
  }
}

void LiveSession::hello(std::string_view command, std::string_view target) {
  publish("hello", {{"command", command}, {"target", target}, {"version", IUPROBE_VERSION}});
}

void LiveSession::status(std::string_view text) {
  if (dashboard_) dashboard_->status(text);
}

void LiveSession::publish(std::string_view type, boost::json::object data) {
  if (dashboard_) dashboard_->publish(type, std::move(data));
}

tl::unexpected<Error> LiveSession::fail(Error error) {
  failure_ = error;
  return tl::unexpected(std::move(error));
}

void LiveSession::end(const Result<void>& outcome, boost::json::object details,
                      const std::vector<Document>& documents) {
  if (!dashboard_ || dashboard_->ended()) return;
  boost::json::array links;
  for (const Document& d : documents) {
    auto body = load_body_file(d.path, kDefaultMaxBodyBytes, d.name);
    if (!body) continue;
    const std::string url = "/" + d.name;
    dashboard_->add_document(url, d.content_type, std::move(body->bytes));
    links.push_back({{"name", d.name}, {"url", url}, {"path", d.path.string()}});
  }
  details["outcome"] = outcome                                           ? "finished"
                       : outcome.error().kind == ErrorKind::kInterrupted ? "stopped"
                                                                         : "failed";
  details["exit_code"] = exit_code(outcome);
  if (!outcome && !outcome.error().message.empty() && !details.contains("reason"))
    details["reason"] = outcome.error().message;
  details["documents"] = std::move(links);
  dashboard_->publish_done(std::move(details));
}

}  // namespace iuprobe
