// SPDX-License-Identifier: Apache-2.0
#include "live/dashboard.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <list>
#include <map>
#include <thread>

#include "http/awaitable.h"
#include "http/url.h"
#include "live/access.h"
#include "live/event_log.h"
#include "report/html_report.h"
#include "report/run_json.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
constexpr auto kKeepAlive = std::chrono::seconds(15);     // a comment line when nothing happens
constexpr auto kWriteTimeout = std::chrono::seconds(10);  // a page that stops reading is dropped

// Sent with every answer: nothing from elsewhere, no framing by other sites, no caching, and
// no Referer that could carry the token away.
constexpr std::pair<std::string_view, std::string_view> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
     "connect-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; "
     "form-action 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"}};

template <class Message>
void add_security_headers(Message& message) {
  for (const auto& [name, value] : kSecurityHeaders) message.set(name, value);
}

HttpResponse answer(http::status status, std::string_view content_type, std::string body) {
  HttpResponse response{status, 11};
  response.set(http::field::content_type, content_type);
  add_security_headers(response);
  response.body() = std::move(body);
  return response;
}

HttpResponse text(http::status status, std::string_view message) {
  return answer(status, "text/plain; charset=utf-8", std::string(message) + "\n");
}

struct Document {
  std::string content_type;
  std::string body;
};

}  // namespace

struct LiveDashboard::State {
  // Declared before the event loop: coroutine frames that the loop destroys still unregister
  // from `waiting`.
  EventLog log{"window", merge_live_windows};
  std::list<asio::steady_timer*> waiting;  // streams with nothing to send, woken by publish
  std::map<std::string, Document, std::less<>> documents;
  bool closing = false;
  StopSource* stop = nullptr;
  std::string token;
  std::string url;
  std::string page = render_live_page();
  Clock::time_point epoch = Clock::now();
  std::atomic<std::size_t> viewers{0};
  std::atomic<std::size_t> document_fetches{0};
  std::atomic<std::size_t> document_count{0};
  std::atomic<bool> ended{false};

  asio::io_context io{1};
  std::unique_ptr<HttpServer> server;
  std::thread thread;

  void wake_all() {
    for (asio::steady_timer* timer : waiting) timer->cancel();
  }

  asio::awaitable<HttpResponse> handle(HttpRequest& request) {
    const AccessDecision access = check_access(request, token);
    if (!access.allowed) co_return text(static_cast<http::status>(access.status), access.reason);
    const std::string path = target_path(request.target());
    const http::verb method = request.method();
    if (path == "/api/stop") {
      if (method != http::verb::post) co_return text(http::status::method_not_allowed, "POST only");
      if (stop) stop->request(SIGINT);
      const int count = stop ? stop->requests() : 0;
      log.append("status", {{"t_s", to_seconds(Clock::now() - epoch)},
                            {"text", count > 1 ? "stop now requested from the page"
                                               : "stop requested from the page: ending the run "
                                                 "as Ctrl-C does"}});
      wake_all();
      co_return answer(http::status::accepted, "application/json",
                       fmt::format(R"({{"stopping":true,"requests":{}}})", count));
    }
    if (method != http::verb::get) co_return text(http::status::method_not_allowed, "GET only");
    if (path == "/") co_return answer(http::status::ok, "text/html; charset=utf-8", page);
    if (auto it = documents.find(path); it != documents.end()) {
      ++document_fetches;
      co_return answer(http::status::ok, it->second.content_type, it->second.body);
    }
    co_return text(http::status::not_found, "not found");
  }

  // GET /events: the history after Last-Event-ID, then each event as it is published.
  asio::awaitable<bool> stream(HttpRequest& request, beast::tcp_stream& stream) {
    if (target_path(request.target()) != "/events" || request.method() != http::verb::get ||
        !check_access(request, token).allowed)
      co_return false;  // the handler answers
    std::uint64_t sent = parse_event_id(request["Last-Event-ID"]);
    // No length: the body is every event from now on, and ends when the connection does.
    http::response<http::empty_body> head{http::status::ok, request.version()};
    head.set(http::field::content_type, "text/event-stream");
    head.keep_alive(false);
    add_security_headers(head);
    http::response_serializer<http::empty_body> serializer{head};
    stream.expires_after(kWriteTimeout);
    if (const auto [ec, n] = co_await http::async_write_header(stream, serializer, kUseTuple); ec)
      co_return true;
    ++viewers;
    std::string out = "retry: 2000\n\n";
    asio::steady_timer timer(io);
    const auto registration = waiting.insert(waiting.end(), &timer);
    while (!closing) {
      if (log.last_id() > sent) {
        out += log.frames_after(sent);
        sent = log.last_id();
      } else if (out.empty()) {
        timer.expires_after(kKeepAlive);
        const auto [ec] = co_await timer.async_wait(kUseTuple);
        if (!ec) out = ": keep-alive\n\n";
        continue;
      }
      stream.expires_after(kWriteTimeout);
      const auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
      if (ec) break;
      out.clear();
    }
    waiting.erase(registration);
    --viewers;
    co_return true;
  }
};

LiveDashboard::LiveDashboard(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<LiveDashboard>> LiveDashboard::start(const DashboardOptions& options) {
  auto state = std::make_unique<State>();
  State* s = state.get();
  s->stop = options.stop;
  if (options.require_token) {
    auto token = make_access_token();
    if (!token) return tl::unexpected(token.error());
    s->token = std::move(*token);
  }
  s->server = std::make_unique<HttpServer>(
      s->io, [s](HttpRequest& r) { return s->handle(r); },
      ServerLimits{.max_body_bytes = 4096, .max_connections = 256},
      [s](HttpRequest& r, beast::tcp_stream& stream) { return s->stream(r, stream); });
  if (auto ok = s->server->listen(options.endpoint); !ok) return tl::unexpected(ok.error());
  s->url = fmt::format("http://{}/", endpoint_text(s->server->local_endpoint()));
  if (!s->token.empty()) s->url += "?token=" + s->token;
  s->thread = std::thread([s] { s->io.run(); });
  return std::unique_ptr<LiveDashboard>(new LiveDashboard(std::move(state)));
}

LiveDashboard::~LiveDashboard() {
  State* s = state_.get();
  asio::post(s->io, [s] {
    s->closing = true;
    s->server->close();
    s->wake_all();
    s->io.stop();
  });
  s->thread.join();
  s->server.reset();
}

const std::string& LiveDashboard::url() const {
  return state_->url;
}

double LiveDashboard::elapsed_s() const {
  return to_seconds(Clock::now() - state_->epoch);
}

void LiveDashboard::publish(std::string_view type, boost::json::object data) {
  State* s = state_.get();
  asio::post(s->io, [s, type = std::string(type), data = std::move(data)]() mutable {
    s->log.append(type, std::move(data));
    s->wake_all();
  });
}

void LiveDashboard::status(std::string_view text) {
  publish("status", {{"t_s", elapsed_s()}, {"text", text}});
}

void LiveDashboard::add_document(std::string path, std::string content_type, std::string body) {
  State* s = state_.get();
  ++s->document_count;  // now, so that a finish() right after waits for it (paths are distinct)
  asio::post(s->io, [s, path = std::move(path), content_type = std::move(content_type),
                     body = std::move(body)]() mutable {
    s->documents[std::move(path)] = {std::move(content_type), std::move(body)};
  });
}

void LiveDashboard::finish(Duration wait) {
  const auto deadline = Clock::now() + wait;
  const auto requests = [this] { return state_->stop ? state_->stop->requests() : 0; };
  const int stops = requests();
  // Documents are added only at the end, so every fetch is a page taking the final result; a
  // page takes each of them, one after another.
  while (Clock::now() < deadline && requests() == stops &&
         state_->document_fetches < state_->viewers * state_->document_count)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::size_t LiveDashboard::viewers() const {
  return state_->viewers;
}

void LiveDashboard::publish_done(boost::json::object data) {
  state_->ended = true;
  publish("done", std::move(data));
}

bool LiveDashboard::ended() const {
  return state_->ended;
}

boost::json::object live_window_json(const WindowRecord& w, double offset_s) {
  boost::json::object o = series_point_json(w);
  o["t_s"] = offset_s + to_seconds(w.start);
  o["sent_per_s"] = w.per_second(w.sent);
  const double scheduled = static_cast<double>(std::max<std::uint64_t>(1, w.scheduled));
  o["late_fraction"] = static_cast<double>(w.late) / scheduled;
  o["queued_fraction"] = static_cast<double>(w.queued) / scheduled;
  o["peak_worker_cpu"] = w.peak_worker_cpu;
  return o;
}

json::object merge_live_windows(const json::object& a, const json::object& b) {
  const auto number = [](const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_number() ? v->to_number<double>() : 0.0;
  };
  const double la = number(a, "length_s");
  const double lb = number(b, "length_s");
  const double length = la + lb;
  json::object out = b;  // phase, unjudged: as the later second says
  if (const json::value* t = a.if_contains("t_s")) out["t_s"] = *t;
  out["length_s"] = length;
  // Rates: per second over both; fractions of the requests scheduled in both.
  const auto mean = [&](std::string_view key, double wa, double wb) {
    return wa + wb > 0 ? (number(a, key) * wa + number(b, key) * wb) / (wa + wb) : 0.0;
  };
  for (const char* key :
       {"offered_per_s", "sent_per_s", "goodput_per_s", "throttled_per_s", "errors_per_s"})
    out[key] = mean(key, la, lb);
  const double sa = number(a, "offered_per_s") * la;
  const double sb = number(b, "offered_per_s") * lb;
  for (const char* key : {"late_fraction", "queued_fraction"}) out[key] = mean(key, sa, sb);
  // Percentiles cannot be merged exactly: the slower of the two, so a slow second stays visible.
  for (const char* key : {"p50_ms", "p95_ms", "p99_ms"}) {
    const json::value* va = a.if_contains(key);
    const json::value* vb = b.if_contains(key);
    if (va && va->is_number() && (!vb || !vb->is_number() || number(a, key) > number(b, key)))
      out[key] = *va;
  }
  for (const char* key : {"in_flight", "connections", "peak_worker_cpu"})
    out[key] = std::max(number(a, key), number(b, key));
  return out;
}

void LiveRunFeed::on_open(const Target& /*target*/, const ConnectionSettings& /*settings*/,
                          std::string_view /*address*/) {
  offset_s_ = dashboard_.elapsed_s();
}

void LiveRunFeed::on_window(const WindowRecord& window) {
  dashboard_.publish("window", live_window_json(window, offset_s_));
}

void LiveRunFeed::on_stopping(int /*signal_number*/) {
  dashboard_.status("stopping: requests in flight get the --grace period");
}

}  // namespace iuprobe
