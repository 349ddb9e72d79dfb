// SPDX-License-Identifier: Apache-2.0
#include "app/demo_command.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <thread>

#include "app/exit_codes.h"
#include "app/probe_command.h"
#include "aws/images.h"
#include "emulator/emulator.h"
#include "emulator/image_info.h"
#include "emulator/sample_images.h"
#include "http/bodies.h"
#include "http/url.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;

// The demo's model: stopped until the probe starts it (2 s), 4 slots per IU, 40 ms plus 20 ms
// per megapixel, ±10% jitter, 6 queued per IU (enough to absorb the mixed images' spread of
// service times, so that refusals start at slots ÷ mean service time). README.md documents them.
ModelConfig demo_model() {
  ModelConfig m;
  m.project = "demo";
  m.version = "demo.v1";
  m.labels = {"cat", "dog", "bird"};
  m.running = false;
  m.start_time = std::chrono::seconds(2);
  m.stop_time = std::chrono::seconds(1);
  m.capacity = {.base_service = std::chrono::milliseconds(40),
                .service_per_megapixel = std::chrono::milliseconds(20),
                .jitter = 0.1,
                .slots_per_iu = 4,
                .queue_per_iu = 6};
  return m;
}

// What the emulator can serve with these images sent in turn: slots ÷ mean service time.
Result<double> configured_capacity(const ModelConfig& model, const std::string& images) {
  auto set = load_images(images);
  if (!set) return tl::unexpected(set.error());
  double total_service_s = 0;
  for (const Body& image : set->images) {
    auto info = read_image_info(image.bytes);
    if (!info) return fail("{}: {}", image.name, info.error().message);
    total_service_s += to_seconds(model.capacity.base_service) +
                       to_seconds(model.capacity.service_per_megapixel) * info->megapixels();
  }
  const double mean_service_s = total_service_s / static_cast<double>(set->images.size());
  return model.inference_units * model.capacity.slots_per_iu / mean_service_s;
}

// A running emulator on its own thread, closed and joined on every way out.
class BackgroundEmulator {
 public:
  explicit BackgroundEmulator(EmulatorConfig config) : emulator_(io_, std::move(config)) {}
  Result<std::string> start() {
    if (auto ok = emulator_.listen({asio::ip::make_address("127.0.0.1"), 0}); !ok)
      return tl::unexpected(ok.error());
    address_ = endpoint_text(emulator_.local_endpoint());
    thread_ = std::thread([this] { io_.run(); });
    return address_;
  }
  ~BackgroundEmulator() { stop(); }
  std::vector<EmulatedModelState> stop() {
    if (!thread_.joinable()) return {};
    std::vector<EmulatedModelState> models;
    asio::post(io_, [&] {
      models = emulator_.models();
      emulator_.close();
    });
    thread_.join();
    return models;
  }

 private:
  asio::io_context io_;
  Emulator emulator_;
  std::thread thread_;
  std::string address_;
};

}  // namespace

int demo_command(const DemoOptions& options) {
  auto dir = prepare_output_dir(options.out, "demo");
  if (!dir) {
    print_error(dir.error());
    return kExitUsage;
  }
  auto live = LiveSession::open(options.web);
  if (!live) {
    print_error(live.error());
    return kExitUsage;
  }
  live->hello("demo", "the offline demo: emulator, probe, plan and report");
  std::string images = options.images;
  if (images.empty()) {
    auto written = write_sample_images(*dir / "images");
    if (!written) {
      print_error(written.error());
      return kExitFailure;
    }
    images = (*dir / "images").string();
    fmt::print("images     {} sample JPEG/PNG images in {}\n", written->size(), images);
  }
  EmulatorConfig config;
  config.models = {demo_model()};
  const ModelConfig& model = config.models.front();
  auto expected = configured_capacity(model, images);
  if (!expected) {
    print_error(with_context(expected.error(), "--images").value());
    return kExitUsage;
  }
  BackgroundEmulator emulator(config);
  auto address = emulator.start();
  if (!address) {
    print_error(address.error());
    live->failed(address.error().message);
    return kExitFailure;
  }
  live->status(fmt::format(
      "demo: emulator on http://{}, model STOPPED, configured for {:.1f} TPS with these images "
      "(the figure the probe should find)",
      *address, *expected));
  fmt::print(
      "emulator   http://{}: model {} is STOPPED; 1 IU = {} slots x (40 ms + 20 ms per "
      "megapixel)\n           = {:.1f} TPS for these images (the figure the probe should "
      "find)\n\n",
      *address, emulated_version_arn(config, model), model.capacity.slots_per_iu, *expected);

  // The demo talks only to its own emulator, with the emulator's documented keys.
  ::setenv("AWS_ACCESS_KEY_ID", kEmulatorAccessKeyId, 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", kEmulatorSecretAccessKey, 1);
  ::unsetenv("AWS_SESSION_TOKEN");
  ::unsetenv("AWS_PROFILE");
  ProbeOptions probe;
  probe.target.project_version_arn = emulated_version_arn(config, model);
  probe.target.images = images;
  probe.aws.endpoint_url = "http://" + *address;
  probe.aws.region = config.region;
  probe.model = {.start_model = true, .iu = 1, .stop_model = true, .poll_interval = "250ms"};
  probe.output.out = dir->string();
  probe.target_tps = std::round(*expected * 2.5);
  probe.batch_images = 100000;
  probe.within = "2h";
  const int code = probe_command(probe, live->dashboard());

  const auto models = emulator.stop();
  for (const auto& m : models) {
    fmt::print("emulator   billed {:.1f} IU-seconds while RUNNING; the model is {}\n",
               m.billed_iu_seconds, m.status);
  }
  const auto file = load_body_file(*dir / "result.json", kDefaultMaxBodyBytes, "result");
  boost::system::error_code ec;
  const auto result = boost::json::parse(file ? file->bytes : "", ec);
  if (!ec && result.is_object()) {
    const auto& answer = result.at("answer").as_object();
    if (answer.at("verdict").as_string() == "found") {
      const double found = answer.at("capacity_tps").to_number<double>();
      fmt::print("compare    found {:.1f} TPS; configured {:.1f} TPS: {:+.1f}%\n", found, *expected,
                 (found / *expected - 1) * 100);
    }
  }
  fmt::print("open       {}\n", (*dir / "report.html").string());
  return code;
}

}  // namespace iuprobe
