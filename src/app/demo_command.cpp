// SPDX-License-Identifier: Apache-2.0
#include "app/demo_command.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <thread>

#include "app/plan_command.h"
#include "app/probe_command.h"
#include "aws/images.h"
#include "emulator/emulator.h"
#include "emulator/model.h"
#include "emulator/sample_images.h"
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

// A running emulator on its own thread, closed and joined on every way out.
class BackgroundEmulator {
 public:
  explicit BackgroundEmulator(EmulatorConfig config) : emulator_(io_, std::move(config)) {}
  Result<std::string> start() {
    if (auto ok = emulator_.listen({asio::ip::make_address("127.0.0.1"), 0}); !ok)
      return tl::unexpected(ok.error());
    thread_ = std::thread([this] { io_.run(); });
    return endpoint_text(emulator_.local_endpoint());
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
};

// The images to send (the user's, or samples written into `dir`) and what the demo's model
// serves with them: the figure the probe should find.
struct DemoImages {
  std::string path;
  double configured_tps = 0;
};

Result<DemoImages> prepare_images(const DemoOptions& options, const std::filesystem::path& dir,
                                  const ModelConfig& model) {
  DemoImages out{.path = options.images};
  if (out.path.empty()) {
    auto written = write_sample_images(dir / "images");
    if (!written) return tl::unexpected(written.error());
    out.path = (dir / "images").string();
    fmt::print("images     {} sample JPEG/PNG images in {}\n", written->size(), out.path);
  }
  auto set = load_images(out.path);
  if (!set) return tl::unexpected(set.error());
  std::vector<std::string> bytes;
  for (const Body& image : set->images) bytes.push_back(image.bytes);
  auto capacity = configured_capacity(model, bytes);
  if (!capacity) return with_context(capacity.error(), "--images");
  out.configured_tps = *capacity;
  return out;
}

// The probe the demo runs: the emulator's model, started with 1 IU and stopped again, 2.5x its
// capacity and a 100,000-image batch within 2 hours as the plans.
ProbeOptions demo_probe(const DemoOptions& options, const EmulatorConfig& config,
                        const DemoImages& images, const std::string& address,
                        const std::filesystem::path& dir) {
  const ModelConfig& model = config.models.front();
  ProbeOptions probe;
  probe.target.project_version_arn = emulated_version_arn(config, model);
  probe.target.images = images.path;
  probe.aws.endpoint_url = "http://" + address;
  probe.aws.cloudwatch_endpoint_url = probe.aws.endpoint_url;
  probe.aws.region = config.region;
  probe.model = {.start_model = true, .iu = 1, .stop_model = true, .poll_interval = "250ms"};
  probe.output.out = dir.string();
  probe.output.quiet = options.quiet;
  probe.target_tps = std::round(images.configured_tps * 2.5);
  probe.batch_images = 100000;
  probe.within = "2h";
  return probe;
}

// The plan from the model's "recorded" traffic: the emulator's 14 days of made-up CloudWatch
// history, at the TPS per IU the probe found.
Result<void> demo_plan(const ProbeReport& report, const EmulatorConfig& config,
                       const std::string& address, const std::filesystem::path& dir) {
  const SearchAnswer& a = report.answer;
  if (a.verdict != SearchAnswer::Verdict::kFound || !report.completed() ||
      report.inference_units == 0) {
    fmt::print("\nplan       not made from CloudWatch: the probe found no per-IU capacity\n");
    return {};
  }
  PlanOptions plan{.tps_per_iu = a.capacity / report.inference_units,
                   .startup = "10m",  // a typical real start-up, not the demo model's 2 s
                   .json_out = (dir / "plan.json").string(),
                   .html_out = (dir / "plan.html").string(),
                   .cloudwatch = true,
                   .project_version_arn = emulated_version_arn(config, config.models.front()),
                   .days = config.history_days};
  plan.aws.region = config.region;
  plan.aws.cloudwatch_endpoint_url = "http://" + address;
  fmt::print("\nplan from the model's recorded traffic (the emulator's made-up {} days):\n",
             config.history_days);
  return plan_command(plan);
}

}  // namespace

Result<void> demo_command(const DemoOptions& options, StopSource& stop) {
  auto dir = prepare_output_dir(options.out, "demo");
  if (!dir) return tl::unexpected(dir.error());
  auto live = LiveSession::open(options.web, stop);
  if (!live) return tl::unexpected(live.error());
  live->hello("demo", "the offline demo: emulator, probe, plan and report");
  EmulatorConfig config;
  config.models = {demo_model()};
  config.history_days = 14;
  auto images = prepare_images(options, *dir, config.models.front());
  if (!images) return live->fail(images.error());
  BackgroundEmulator emulator(config);
  auto address = emulator.start();
  if (!address) return live->fail(Error{ErrorKind::kInternal, address.error().message});
  const std::string arn = emulated_version_arn(config, config.models.front());
  live->status(
      fmt::format("demo: emulator on http://{}, model STOPPED, configured for {:.1f} TPS "
                  "with these images (the figure the probe should find)",
                  *address, images->configured_tps));
  fmt::print(
      "emulator   http://{}: model {} is STOPPED; 1 IU = {} slots x (40 ms + 20 ms per "
      "megapixel)\n           = {:.1f} TPS for these images (the figure the probe should "
      "find)\n\n",
      *address, arn, config.models.front().capacity.slots_per_iu, images->configured_tps);
  // The demo talks only to its own emulator, with the emulator's documented keys.
  ::setenv("AWS_ACCESS_KEY_ID", kEmulatorAccessKeyId, 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", kEmulatorSecretAccessKey, 1);
  ::unsetenv("AWS_SESSION_TOKEN");
  ::unsetenv("AWS_PROFILE");
  auto report = probe_and_report(demo_probe(options, config, *images, *address, *dir), stop, *live);
  Result<void> planned;
  if (report) planned = demo_plan(*report, config, *address, *dir);
  for (const auto& m : emulator.stop()) {
    fmt::print("emulator   billed {:.1f} IU-seconds while RUNNING; the model is {}\n",
               m.billed_iu_seconds, m.status);
  }
  if (!report) return tl::unexpected(report.error());
  if (report->answer.verdict == SearchAnswer::Verdict::kFound) {
    fmt::print("compare    found {:.1f} TPS; configured {:.1f} TPS: {:+.1f}%\n",
               report->answer.capacity, images->configured_tps,
               (report->answer.capacity / images->configured_tps - 1) * 100);
  }
  fmt::print("open       {}\n", (*dir / "report.html").string());
  if (!planned) return tl::unexpected(planned.error());
  if (std::filesystem::exists(*dir / "plan.html"))
    fmt::print("           {}\n", (*dir / "plan.html").string());
  return probe_outcome(*report);
}

}  // namespace iuprobe
