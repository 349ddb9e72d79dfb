// SPDX-License-Identifier: Apache-2.0
#include "app/model_command.h"

#include <fmt/format.h>

#include "app/options.h"
#include "aws/model_lifecycle.h"
#include "aws/model_session.h"

namespace iuprobe {
namespace {

struct Prepared {
  AwsContext context;
  RekognitionClient client;
  std::optional<std::string> project_arn;
  WaitOptions wait;
};

Result<Prepared> prepare(const ModelCommandOptions& o, StopToken stop) {
  if (o.project_version_arn.empty())
    return fail(ErrorKind::kUsage, "--project-version-arn is required");
  TlsOptions tls{.insecure = o.insecure};
  if (!o.ca_file.empty()) tls.ca_file = o.ca_file;
  auto context = build_aws_context(o.aws, o.project_version_arn, tls);
  if (!context) return tl::unexpected(context.error());
  auto timeout = parse_duration(o.timeout);
  if (!timeout) return with_context(timeout.error(), "--timeout");
  auto poll = parse_duration(o.poll_interval);
  if (!poll || poll->count() <= 0)
    return fail(ErrorKind::kUsage, "--poll-interval: '{}' is not a positive duration",
                o.poll_interval);
  const int baseline = stop.requests();
  Prepared prepared{.context = *context,
                    .client = context->client(),
                    .project_arn = o.project_arn.empty()
                                       ? std::nullopt
                                       : std::optional<std::string>(o.project_arn),
                    .wait = {.timeout = *timeout,
                             .poll_interval = *poll,
                             .on_poll = progress_printer(stdout),
                             .cancelled = [stop, baseline] { return stop.requests() > baseline; }}};
  return prepared;
}

Result<void> wait_and_report(Prepared& p, std::initializer_list<std::string_view> wanted,
                             StopToken stop) {
  auto waited = wait_for_model(p.client, p.context.arn, p.project_arn, wanted, p.wait);
  if (!waited) return tl::unexpected(waited.error().as_error("DescribeProjectVersions"));
  switch (waited->end) {
    case WaitEnd::kReached:
      fmt::print("model: {} after {}\n", waited->model.status,
                 format_duration(std::chrono::duration_cast<std::chrono::seconds>(waited->waited)));
      return {};
    case WaitEnd::kFailed:
      return fail(ErrorKind::kService, "the model is {}: {}", waited->model.status,
                  waited->model.status_message);
    case WaitEnd::kTimedOut:
      return fail(ErrorKind::kService, "still {} after --timeout {}", waited->model.status,
                  format_duration(p.wait.timeout));
    case WaitEnd::kCancelled:
      fmt::print("model: stopped waiting; the model is {} and carries on without iuprobe\n",
                 waited->model.status);
      return tl::unexpected(interrupted_error(stop.signal()));
  }
  return fail(ErrorKind::kInternal, "unknown end of a wait");
}

}  // namespace

Result<void> model_start_command(const ModelCommandOptions& o, StopSource& stop) {
  if (o.min_iu == 0)
    return fail(ErrorKind::kUsage, "--min-iu N is required: how many inference units to start");
  if (o.max_iu != 0 && o.max_iu < o.min_iu)
    return fail(ErrorKind::kUsage, "--max-iu {} is below --min-iu {}", o.max_iu, o.min_iu);
  auto p = prepare(o, stop.token());
  if (!p) return tl::unexpected(p.error());
  auto started = p->client.start(p->context.arn, o.min_iu,
                                 o.max_iu == 0 ? std::nullopt : std::optional<unsigned>(o.max_iu));
  if (!started) return tl::unexpected(started.error().as_error("StartProjectVersion"));
  fmt::print(
      "model: {} with {} IU(s){}. It is billed per IU-hour until stopped:\n  iuprobe model stop "
      "--project-version-arn {}\n",
      started->empty() ? "STARTING" : *started, o.min_iu,
      o.max_iu != 0 ? fmt::format(", auto-scaling up to {}", o.max_iu) : "", p->context.arn.text);
  std::fflush(stdout);
  if (!o.wait) return {};
  return wait_and_report(*p, {"RUNNING"}, stop.token());
}

Result<void> model_stop_command(const ModelCommandOptions& o, StopSource& stop) {
  auto p = prepare(o, stop.token());
  if (!p) return tl::unexpected(p.error());
  auto stopped = p->client.stop(p->context.arn);
  if (!stopped) return tl::unexpected(stopped.error().as_error("StopProjectVersion"));
  fmt::print("model: {}\n", stopped->empty() ? "STOPPING" : *stopped);
  std::fflush(stdout);
  if (!o.wait) return {};
  return wait_and_report(*p, {"STOPPED"}, stop.token());
}

Result<void> model_status_command(const ModelCommandOptions& o, StopSource& stop) {
  auto p = prepare(o, stop.token());
  if (!p) return tl::unexpected(p.error());
  auto model = p->client.describe(p->context.arn, p->project_arn);
  if (!model) return tl::unexpected(model.error().as_error("DescribeProjectVersions"));
  fmt::print("model     {}\nproject   {}\nstatus    {}{}{}\nIUs       {} min{}\n",
             p->context.arn.text, model->project_arn, model->status,
             model->status_message.empty() ? "" : " - ", model->status_message,
             model->min_inference_units,
             model->max_inference_units
                 ? fmt::format(", {} max (auto-scaling)", *model->max_inference_units)
                 : "");
  return {};
}

}  // namespace iuprobe
