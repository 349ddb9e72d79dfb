// SPDX-License-Identifier: Apache-2.0
#include "report/live_table.h"

#include <fmt/format.h>

#include <csignal>
#include <cstring>

#include "report/format.h"

namespace iuprobe {
namespace {

constexpr int kRowsPerHeader = 20;

void print_header(std::FILE* out) {
  fmt::print(out, "{:>7} {:>9} {:>8} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}\n", "time",
             "offered/s", "sent", "goodput/s", "throttled/s", "errors/s", "p50 ms", "p95 ms",
             "p99 ms", "in-flight", "late");
}

}  // namespace

void LiveTable::on_open(const Target& target, const ConnectionSettings& settings,
                        std::string_view address) {
  fmt::print(out_, "iuprobe: {} -> {} ({} thread{}, up to {} connections)\n",
             target.description.empty() ? target.url.text : target.description, address,
             settings.threads, settings.threads == 1 ? "" : "s", settings.max_connections);
  std::fflush(out_);
}

void LiveTable::on_window(const WindowRecord& w) {
  if (rows_++ % kRowsPerHeader == 0) print_header(out_);
  const std::string time =
      fmt::format("{:.0f}s{}", to_seconds(w.start + w.length), w.judged() ? "" : "*");
  fmt::print(out_, "{:>7} {:>9} {:>8} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}\n", time,
             format_rate(w.per_second(w.scheduled)), with_commas(w.sent),
             format_rate(w.per_second(w.count(Outcome::kOk))),
             format_rate(w.per_second(w.count(Outcome::kThrottled))),
             format_rate(w.per_second(w.errors())),
             w.latency.count ? format_ms(w.latency.p50) : "-",
             w.latency.count ? format_ms(w.latency.p95) : "-",
             w.latency.count ? format_ms(w.latency.p99) : "-", w.in_flight, w.late);
  std::fflush(out_);
}

void LiveTable::on_stopping(int signal_number) {
  fmt::print(out_, "iuprobe: {} received: stopping, waiting for requests in flight...\n",
             signal_number == SIGINT ? "interrupt" : signal_name(signal_number));
  std::fflush(out_);
}

void FanOut::on_open(const Target& target, const ConnectionSettings& settings,
                     std::string_view address) {
  for (SessionObserver* o : observers_) o->on_open(target, settings, address);
}
void FanOut::on_window(const WindowRecord& window) {
  for (SessionObserver* o : observers_) o->on_window(window);
}
void FanOut::on_stopping(int signal_number) {
  for (SessionObserver* o : observers_) o->on_stopping(signal_number);
}

}  // namespace iuprobe
