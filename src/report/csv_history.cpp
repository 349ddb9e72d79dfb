// SPDX-License-Identifier: Apache-2.0
#include "report/csv_history.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace iuprobe {

Result<std::unique_ptr<CsvHistory>> CsvHistory::open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr)
    return fail(ErrorKind::kOutput, "cannot write {}: {}", path.string(), std::strerror(errno));
  fmt::print(file, "{}\n", header());
  std::fflush(file);
  return std::unique_ptr<CsvHistory>(new CsvHistory(file));
}

CsvHistory::~CsvHistory() {
  std::fclose(file_);
}

std::string CsvHistory::header() {
  return "t_s,length_s,phase,offered_per_s,scheduled,sent,ok,throttled,client_error,server_error,"
         "timeout,"
         "transport_error,late,queued,goodput_per_s,throttled_per_s,errors_per_s,p50_ms,p90_ms,p95_"
         "ms,p99_ms,"
         "max_ms,service_p50_ms,service_p99_ms,in_flight,connections,peak_worker_cpu";
}

std::string CsvHistory::row(const WindowRecord& w) {
  const auto ms = [&](Duration d) {
    return w.latency.count == 0 ? std::string() : fmt::format("{:.3f}", to_millis(d));
  };
  const auto service_ms = [&](Duration d) {
    return w.service_latency.count == 0 ? std::string() : fmt::format("{:.3f}", to_millis(d));
  };
  return fmt::format(
      "{:.3f},{:.3f},{},{:.2f},{},{},{},{},{},{},{},{},{},{},{:.2f},{:.2f},{:.2f},{},{},{},{},{},{}"
      ",{},{},{},{:.3f}",
      to_seconds(w.start), to_seconds(w.length), phase_name(w.phase), w.per_second(w.scheduled),
      w.scheduled, w.sent, w.count(Outcome::kOk), w.count(Outcome::kThrottled),
      w.count(Outcome::kClientError), w.count(Outcome::kServerError), w.count(Outcome::kTimeout),
      w.count(Outcome::kTransportError), w.late, w.queued, w.per_second(w.count(Outcome::kOk)),
      w.per_second(w.count(Outcome::kThrottled)), w.per_second(w.errors()), ms(w.latency.p50),
      ms(w.latency.p90), ms(w.latency.p95), ms(w.latency.p99), ms(w.latency.max),
      service_ms(w.service_latency.p50), service_ms(w.service_latency.p99), w.in_flight,
      w.connections, w.peak_worker_cpu);
}

void CsvHistory::on_window(const WindowRecord& window) {
  fmt::print(file_, "{}\n", row(window));
  std::fflush(file_);
}

}  // namespace iuprobe
