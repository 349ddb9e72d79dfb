// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "emulator/config.h"
#include "http/server.h"

namespace iuprobe {

// What the emulator reports about one model, for `iuprobe emulate`'s summary and for tests.
struct EmulatedModelState {
  std::string arn;
  std::string status;
  unsigned inference_units = 0;
  unsigned busy_slots = 0;
  std::size_t queued = 0;
  double billed_iu_seconds = 0;
};

// Rekognition Custom Labels on loopback: AWS JSON 1.1 over HTTP/1.1, SigV4 verified, IU
// capacity simulated with timers on one event loop. All methods run on the loop's thread
// (or before it runs).
class Emulator {
 public:
  Emulator(boost::asio::io_context& io, EmulatorConfig config);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Stops accepting, closes connections and the scaling clock; the loop then runs dry.
  void close();

  const EmulatorConfig& config() const;
  std::vector<EmulatedModelState> models();
  // The Prometheus text served at GET /metrics.
  std::string metrics_text();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace iuprobe
