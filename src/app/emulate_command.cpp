// SPDX-License-Identifier: Apache-2.0
#include "app/emulate_command.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "app/options.h"
#include "core/stop.h"
#include "emulator/emulator.h"
#include "emulator/sample_images.h"
#include "http/url.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;

Result<void> set_duration(const std::optional<std::string>& text, std::string_view option,
                          Duration& out) {
  if (!text) return {};
  auto parsed = parse_duration(*text);
  if (!parsed) return with_context(parsed.error(), option);
  out = *parsed;
  return {};
}

bool any_model_flag(const EmulateOptions& o) {
  return o.project || o.version || o.type || o.labels || o.status || o.iu || o.max_iu ||
         o.service_time || o.per_megapixel || o.jitter || o.slots || o.queue || o.limiter ||
         o.limit || o.burst || o.window || o.slowdown || o.start_time || o.stop_time ||
         o.scale_up_after || o.scale_down_after || o.history_peak_tps || o.history_csv;
}

Result<void> apply_model_flags(const EmulateOptions& o, ModelConfig& m) {
  if (o.project) m.project = *o.project;
  if (o.version) m.version = *o.version;
  if (o.type) {
    if (*o.type != "classification" && *o.type != "detection")
      return fail(ErrorKind::kUsage, "--type '{}': use classification or detection", *o.type);
    m.kind = *o.type == "detection" ? ModelKind::kDetection : ModelKind::kClassification;
  }
  if (o.labels) m.labels = *o.labels;
  if (o.status) {
    if (*o.status != "RUNNING" && *o.status != "STOPPED")
      return fail(ErrorKind::kUsage, "--status '{}': use RUNNING or STOPPED", *o.status);
    m.running = *o.status == "RUNNING";
  }
  if (o.iu) m.inference_units = *o.iu;
  if (o.max_iu) m.max_inference_units = *o.max_iu;
  if (o.jitter) m.capacity.jitter = *o.jitter;
  if (o.slots) m.capacity.slots_per_iu = *o.slots;
  if (o.queue) m.capacity.queue_per_iu = *o.queue;
  if (o.slowdown) m.capacity.slowdown = *o.slowdown;
  if (o.history_peak_tps) m.history_peak_tps = *o.history_peak_tps;
  if (o.history_csv) {
    auto rows = load_history_csv(*o.history_csv, "--history-csv");
    if (!rows) return tl::unexpected(rows.error());
    m.history_csv = *o.history_csv;
    m.recorded = std::move(*rows);
  }
  if (o.limiter) {
    const auto kind = parse_limiter_kind(*o.limiter);
    if (!kind)
      return fail(ErrorKind::kUsage,
                  "--limiter '{}': use token-bucket, fixed-window, sliding-window or none",
                  *o.limiter);
    m.capacity.limit.kind = *kind;
  }
  if (o.limit) m.capacity.limit.per_iu = *o.limit;
  if ((o.limit || o.burst || o.window) && !o.limiter)
    return fail(ErrorKind::kUsage, "--limit, --burst and --window need --limiter KIND");
  for (auto ok :
       {set_duration(o.service_time, "--service-time", m.capacity.base_service),
        set_duration(o.per_megapixel, "--per-megapixel", m.capacity.service_per_megapixel),
        set_duration(o.burst, "--burst", m.capacity.limit.burst),
        set_duration(o.window, "--window", m.capacity.limit.window),
        set_duration(o.start_time, "--start-time", m.start_time),
        set_duration(o.stop_time, "--stop-time", m.stop_time),
        set_duration(o.scale_up_after, "--scale-up-after", m.scaling.scale_up_after),
        set_duration(o.scale_down_after, "--scale-down-after", m.scaling.scale_down_after)}) {
    if (!ok) return ok;
  }
  return {};
}

// Many open connections are the point of a flood test: take what the hard limit allows.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    limit.rlim_cur = wanted;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void print_banner(const EmulatorConfig& config, const std::string& address) {
  fmt::print("iuprobe emulate: Rekognition Custom Labels at http://{} (region {})\n", address,
             config.region);
  if (config.verify_signatures) {
    for (const AccessKey& key : config.credentials) {
      const bool documented = key.access_key_id == kEmulatorAccessKeyId &&
                              key.secret_access_key == kEmulatorSecretAccessKey;
      fmt::print("  credentials  {} / {}{}\n", key.access_key_id,
                 documented ? key.secret_access_key : std::string("(secret from the config)"),
                 documented ? "  (AWS's documented example key pair)" : "");
    }
    fmt::print("               SigV4 signatures are verified (--no-auth accepts any request)\n");
  } else {
    fmt::print("  credentials  not checked (--no-auth)\n");
  }
  for (const ModelConfig& m : config.models) {
    const CapacityModel& c = m.capacity;
    fmt::print("  model        {}\n", emulated_version_arn(config, m));
    fmt::print(
        "               {}, {} IU{}, {}; {} slots/IU x {} (+{}/megapixel, ±{:.0f}%), queue "
        "{}/IU\n",
        m.running ? "RUNNING" : "STOPPED", m.inference_units,
        m.max_inference_units ? fmt::format(" (auto-scales to {})", *m.max_inference_units) : "",
        m.kind == ModelKind::kDetection ? "detection" : "classification", c.slots_per_iu,
        format_duration(c.base_service), format_duration(c.service_per_megapixel), c.jitter * 100,
        c.queue_per_iu);
    if (c.limit.kind != LimiterKind::kNone) {
      fmt::print("               behind a {} limiter of {:g}/s per IU ({} {})\n",
                 to_string(c.limit.kind), c.limit.per_iu,
                 c.limit.kind == LimiterKind::kTokenBucket ? "burst" : "window",
                 format_duration(c.limit.kind == LimiterKind::kTokenBucket ? c.limit.burst
                                                                           : c.limit.window));
    }
    if (c.slowdown > 0) {
      fmt::print("               refusing slows it down, up to {:.0f}% slower\n", c.slowdown * 100);
    }
    fmt::print("               capacity {:.1f} TPS per IU at 0.3 MP (640x480), {:.1f} at 2 MP\n",
               capacity_per_iu(c, 0.3072), capacity_per_iu(c, 2.0));
  }
  fmt::print("  metrics      http://{}/metrics\n", address);
  fmt::print("  cloudwatch   GetMetricData and ListMetrics (AWS JSON 1.0) on the same address{}\n",
             config.history_days > 0
                 ? fmt::format(", with {} days of made-up history before now", config.history_days)
                 : "");
  for (const ModelConfig& m : config.models) {
    if (!m.recorded.empty())
      fmt::print("               {}/{}: {} recorded minutes from {}\n", m.project, m.version,
                 m.recorded.size(), m.history_csv);
  }
  fmt::print(
      "Stop with Ctrl-C. Example:\n  AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} \\\n"
      "  aws rekognition describe-projects --region {} --endpoint-url http://{}\n",
      kEmulatorAccessKeyId, kEmulatorSecretAccessKey, config.region, address);
  std::fflush(stdout);
}

}  // namespace

Result<EmulatorConfig> build_emulator_config(const EmulateOptions& options) {
  EmulatorConfig config;
  if (!options.config_file.empty()) {
    if (any_model_flag(options)) {
      return fail(ErrorKind::kUsage,
                  "--config {}: model flags (--iu, --slots, …) cannot be combined with a "
                  "config file; set them in the file",
                  options.config_file);
    }
    auto loaded = load_emulator_config(options.config_file);
    if (!loaded) return loaded;
    config = std::move(*loaded);
  } else if (auto ok = apply_model_flags(options, config.models.front()); !ok) {
    return tl::unexpected(ok.error());
  }
  if (options.no_auth) config.verify_signatures = false;
  if (options.seed) config.seed = *options.seed;
  if (options.region) config.region = *options.region;
  if (options.history_days) config.history_days = *options.history_days;
  if (options.max_buffered) {
    auto bytes = parse_size(*options.max_buffered);
    if (!bytes)
      return fail(ErrorKind::kUsage, "--max-buffered {}: {}", *options.max_buffered,
                  bytes.error().message);
    config.max_buffered_bytes = *bytes;
  }
  if (auto ok = validate_emulator_config(config); !ok) {
    if (options.config_file.empty()) return as_kind(ok.error(), ErrorKind::kUsage);  // flags
    return with_context(ok.error(), "--config " + options.config_file);
  }
  return config;
}

namespace {

Result<void> write_samples(const std::string& directory) {
  auto written = write_sample_images(directory);
  if (!written) return tl::unexpected(written.error());
  for (const SampleImage& image : *written) {
    fmt::print("{}  {}x{} px, {} KB\n", image.path.string(), image.width, image.height,
               (image.bytes + 512) / 1024);
  }
  return {};
}

// Serves until a stop request (polled: the signal handler only records it), then prints the
// billed IU time.
void serve_until_stopped(asio::io_context& io, Emulator& emulator, StopToken stop) {
  asio::steady_timer poll(io);
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(100));
    poll.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (stop.stop_requested()) {
        emulator.close();
        return;
      }
      watch();
    });
  };
  watch();
  io.run();
  fmt::print("iuprobe emulate: stopped; billed inference-unit time:\n");
  for (const EmulatedModelState& m : emulator.models()) {
    fmt::print("  {}  {}  {:.1f} IU-seconds ({:.4f} IU-hours)\n", m.arn, m.status,
               m.billed_iu_seconds, m.billed_iu_seconds / 3600);
  }
}

}  // namespace

Result<void> emulate_command(const EmulateOptions& options, StopSource& stop) {
  if (!options.write_samples.empty()) return write_samples(options.write_samples);
  auto config = build_emulator_config(options);
  if (!config) return tl::unexpected(config.error());
  auto endpoint = parse_listen_address(options.listen, "--listen");
  if (!endpoint) return tl::unexpected(endpoint.error());
  if (!endpoint->address().is_loopback() && !options.allow_remote) {
    return fail(ErrorKind::kUsage,
                "--listen {}: not a loopback address; the emulator accepts the documented example "
                "keys, so add --allow-remote to serve other machines on purpose",
                options.listen);
  }
  raise_fd_limit();
  asio::io_context io;
  Emulator emulator(io, *config);
  if (auto ok = emulator.listen(*endpoint); !ok) return with_context(ok.error(), "--listen");
  print_banner(*config, endpoint_text(emulator.local_endpoint()));
  serve_until_stopped(io, emulator, stop.token());
  return {};
}

}  // namespace iuprobe
