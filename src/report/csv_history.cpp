// SPDX-License-Identifier: Apache-2.0
#include "report/csv_history.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace iuprobe {

Result<std::unique_ptr<CsvHistory>> CsvHistory::open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr)
    return fail(ErrorKind::kOutput, "cannot write {}: {}", path.string(), std::strerror(errno));
  const std::string head = header() + "\n";
  if (std::fwrite(head.data(), 1, head.size(), file) != head.size() || std::fflush(file) != 0) {
    const std::string why = std::strerror(errno);
    std::fclose(file);
    return fail(ErrorKind::kOutput, "cannot write {}: {}", path.string(), why);
  }
  auto history = std::unique_ptr<CsvHistory>(new CsvHistory(file, path));
  history->complete_bytes_ = head.size();
  return history;
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
  const std::string line = row(window) + "\n";
  const bool written = std::fwrite(line.data(), 1, line.size(), file_) == line.size();
  if (written && std::fflush(file_) == 0) {
    complete_bytes_ += line.size();
    return;
  }
  if (!failure_) {
    failure_ = Error{ErrorKind::kOutput,
                     fmt::format("cannot write {} from {:.0f} s on: {} (rows that did not fit "
                                 "are missing)",
                                 path_.string(), to_seconds(window.start), std::strerror(errno))};
  }
  // No half row: cut the file back to its last whole row (the bytes that did go out), drop
  // what stdio still holds, and try the next row from there.
  std::clearerr(file_);
  std::fflush(file_);
  std::clearerr(file_);
  if (::ftruncate(::fileno(file_), static_cast<off_t>(complete_bytes_)) == 0)
    std::fseek(file_, static_cast<long>(complete_bytes_), SEEK_SET);
}

}  // namespace iuprobe
