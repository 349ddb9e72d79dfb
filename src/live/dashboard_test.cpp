// SPDX-License-Identifier: Apache-2.0
#include "live/dashboard.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <thread>

#include "core/stop.h"
#include "http/fetch.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::unique_ptr<LiveDashboard> start(bool token = false, StopSource* stop = nullptr) {
  auto d = LiveDashboard::start({{asio::ip::make_address("127.0.0.1"), 0}, token, stop});
  if (!d) throw std::runtime_error(d.error().message);
  return std::move(*d);
}

// "http://127.0.0.1:PORT/?token=…" -> "http://127.0.0.1:PORT" + path
std::string at(const LiveDashboard& d, std::string_view path) {
  const std::string& url = d.url();
  return url.substr(0, url.find('/', 7)) + std::string(path);
}

FetchResponse get(const LiveDashboard& d, std::string_view path, std::string method = "GET",
                  std::vector<Header> headers = {}) {
  auto url = parse_http_url(at(d, path));
  auto response = fetch({.method = std::move(method), .url = *url, .headers = std::move(headers)});
  if (!response) throw std::runtime_error(response.error().message);
  return *response;
}

// An event-stream reader on a plain socket: reads until `count` events have arrived.
class StreamReader {
 public:
  StreamReader(const LiveDashboard& d, std::string_view path, std::string extra_headers = "")
      : socket_(io_) {
    auto url = parse_http_url(at(d, path));
    socket_.connect({asio::ip::make_address("127.0.0.1"), url->port});
    const std::string request = "GET " + url->target + " HTTP/1.1\r\nHost: " + url->host_header +
                                "\r\n" + extra_headers + "\r\n";
    asio::write(socket_, asio::buffer(request));
  }
  std::string read_events(std::size_t count) {
    while (events() < count) {
      char chunk[4096];
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      text_.append(chunk, n);
    }
    return text_;
  }
  std::size_t events() const {
    std::size_t n = 0;
    for (auto pos = text_.find("\nevent: "); pos != std::string::npos;
         pos = text_.find("\nevent: ", pos + 1))
      ++n;
    return n;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string text_;
};

TEST(Dashboard, ServesThePageAndNothingElse) {
  auto d = start();
  const auto page = get(*d, "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("iuprobe · live"), std::string::npos);
  EXPECT_NE(page.body.find("uPlot"), std::string::npos);
  EXPECT_NE(page.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.header("Referrer-Policy"), "no-referrer");
  for (const char* path : {"/index.html", "/../../etc/passwd", "/events/", "/report.html", "//"})
    EXPECT_EQ(get(*d, path).status, 404u) << path;
  EXPECT_EQ(get(*d, "/", "DELETE").status, 405u);
  EXPECT_EQ(get(*d, "/api/stop").status, 405u);  // GET cannot stop the run
}

TEST(Dashboard, StreamGivesTheHistoryFirstThenLiveEvents) {
  auto d = start();
  d->publish("hello", {{"command", "run"}});
  d->publish("window", {{"t_s", 0}});
  StreamReader early(*d, "/events");
  std::string text = early.read_events(2);
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(text.find("id: 1\nevent: hello\ndata: {\"command\":\"run\"}\n\n"), std::string::npos);
  d->publish("window", {{"t_s", 1}});
  text = early.read_events(3);
  EXPECT_NE(text.find("id: 3\nevent: window\ndata: {\"t_s\":1}"), std::string::npos);

  // A page opened later gets all three; a reconnecting one only what it missed.
  StreamReader late(*d, "/events");
  EXPECT_EQ(late.read_events(3).find("id: 4"), std::string::npos);
  StreamReader reconnecting(*d, "/events", "Last-Event-ID: 2\r\n");
  d->publish_done({{"outcome", "finished"}});
  text = reconnecting.read_events(2);
  EXPECT_EQ(text.find("event: hello"), std::string::npos);
  EXPECT_NE(text.find("id: 3\n"), std::string::npos);
  EXPECT_NE(text.find("id: 4\nevent: done"), std::string::npos);
  EXPECT_TRUE(d->ended());
  EXPECT_EQ(d->viewers(), 3u);
}

TEST(Dashboard, StopAsksTheRunToStopLikeCtrlC) {
  StopSource stop;
  auto d = start(false, &stop);
  StreamReader page(*d, "/events");
  const auto refused = get(*d, "/api/stop", "POST", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(stop.signal(), 0);
  const auto stopped = get(*d, "/api/stop", "POST");
  EXPECT_EQ(stopped.status, 202u);
  EXPECT_EQ(stop.signal(), SIGINT);
  EXPECT_EQ(stop.requests(), 1);
  EXPECT_NE(page.read_events(1).find("stop requested from the page"), std::string::npos);
}

TEST(Dashboard, TokenModeRefusesRequestsWithoutIt) {
  auto d = start(/*token=*/true);
  const std::string& url = d->url();
  const std::string token = url.substr(url.find("?token=") + 7);
  ASSERT_EQ(token.size(), 32u);
  EXPECT_EQ(get(*d, "/").status, 401u);
  EXPECT_EQ(get(*d, "/events").status, 401u);
  EXPECT_EQ(get(*d, "/api/stop", "POST").status, 401u);
  EXPECT_EQ(get(*d, "/?token=" + token).status, 200u);
  d->publish("hello", {});
  StreamReader page(*d, "/events?token=" + token);
  EXPECT_NE(page.read_events(1).find("event: hello"), std::string::npos);
}

TEST(Dashboard, DocumentsAreServedFromMemoryAndFinishWaitsForOpenPagesToTakeThemAll) {
  auto d = start();
  d->finish(std::chrono::seconds(30));  // nobody watching: returns at once, or the test times out

  StreamReader page(*d, "/events");
  d->publish("hello", {});
  page.read_events(1);
  d->add_document("/result.json", "application/json", R"({"ok":true})");
  d->add_document("/report.html", "text/html", "<html></html>");
  // A page fetches the documents one after another, as live.js does.
  std::vector<unsigned> statuses;
  std::string body, type;
  const std::vector<std::string> urls{at(*d, "/result.json"), at(*d, "/report.html")};
  std::thread fetcher([&] {
    for (const std::string& url : urls) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      try {
        auto doc = fetch({.method = "GET", .url = *parse_http_url(url)});
        if (!doc) throw std::runtime_error(doc.error().message);
        statuses.push_back(doc->status);
        if (body.empty()) {
          body = doc->body;
          type = doc->header("Content-Type");
        }
      } catch (const std::exception&) {
        statuses.push_back(0);  // the dashboard was gone
      }
    }
  });
  d->finish(std::chrono::seconds(30));
  d.reset();  // what iuprobe does next: the server closes
  fetcher.join();
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 200}));
  EXPECT_EQ(body, R"({"ok":true})");
  EXPECT_EQ(type, "application/json");
}

TEST(Dashboard, BindFailureNamesTheAddress) {
  auto first = start();
  const auto port = parse_http_url(at(*first, "/"))->port;
  auto second = LiveDashboard::start({{asio::ip::make_address("127.0.0.1"), port}, false});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(std::to_string(port)), std::string::npos);
}

TEST(Dashboard, MergedWindowsAverageRatesOverBothAndKeepTheSlowerPercentiles) {
  const boost::json::object a{
      {"t_s", 10},          {"length_s", 1},        {"offered_per_s", 100},
      {"sent_per_s", 100},  {"goodput_per_s", 90},  {"throttled_per_s", 10},
      {"errors_per_s", 0},  {"late_fraction", 0.1}, {"queued_fraction", 0},
      {"p50_ms", 20},       {"p95_ms", 80},         {"p99_ms", nullptr},
      {"in_flight", 7},     {"connections", 9},     {"peak_worker_cpu", 0.5},
      {"phase", "explore"}, {"unjudged", false}};
  boost::json::object b = a;
  b["t_s"] = 11;
  b["length_s"] = 3;
  b["offered_per_s"] = 300;
  b["goodput_per_s"] = 290;
  b["late_fraction"] = 0.0;
  b["p95_ms"] = 40;
  b["p99_ms"] = 60;
  b["in_flight"] = 3;
  b["phase"] = "refine";
  const boost::json::object m = merge_live_windows(a, b);
  EXPECT_EQ(m.at("t_s").to_number<double>(), 10);
  EXPECT_EQ(m.at("length_s").to_number<double>(), 4);
  EXPECT_DOUBLE_EQ(m.at("offered_per_s").to_number<double>(), (100 + 900) / 4.0);
  EXPECT_DOUBLE_EQ(m.at("goodput_per_s").to_number<double>(), (90 + 870) / 4.0);
  // 10 of the 1,000 requests scheduled in the four seconds were late.
  EXPECT_DOUBLE_EQ(m.at("late_fraction").to_number<double>(), 10.0 / 1000);
  EXPECT_EQ(m.at("p95_ms").to_number<double>(), 80);
  EXPECT_EQ(m.at("p99_ms").to_number<double>(), 60);
  EXPECT_EQ(m.at("in_flight").to_number<double>(), 7);
  EXPECT_EQ(m.at("phase").as_string(), "refine");
}

}  // namespace
}  // namespace iuprobe
