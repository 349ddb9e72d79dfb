// SPDX-License-Identifier: Apache-2.0
#include "app/model_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/model_session.h"
#include "app/options.h"
#include "aws/model_lifecycle.h"
#include "core/interrupt.h"

namespace iuprobe {
namespace {

struct Prepared {
  AwsContext context;
  RekognitionClient client;
  std::optional<std::string> project_arn;
  WaitOptions wait;
};

Result<Prepared> prepare(const ModelCommandOptions& o) {
  if (o.project_version_arn.empty()) return fail("--project-version-arn is required");
  TlsOptions tls{.insecure = o.insecure};
  if (!o.ca_file.empty()) tls.ca_file = o.ca_file;
  auto context = build_aws_context(o.aws, o.project_version_arn, tls);
  if (!context) return tl::unexpected(context.error());
  auto timeout = parse_duration(o.timeout);
  if (!timeout) return with_context(timeout.error(), "--timeout");
  auto poll = parse_duration(o.poll_interval);
  if (!poll || poll->count() <= 0)
    return fail("--poll-interval: '{}' is not a positive duration", o.poll_interval);
  const int baseline = interrupt_count();
  Prepared prepared{.context = *context,
                    .client = context->client(),
                    .project_arn = o.project_arn.empty()
                                       ? std::nullopt
                                       : std::optional<std::string>(o.project_arn),
                    .wait = {.timeout = *timeout,
                             .poll_interval = *poll,
                             .on_poll = progress_printer(stdout),
                             .cancelled = [baseline] { return interrupt_count() > baseline; }}};
  return prepared;
}

int wait_and_report(Prepared& p, std::initializer_list<std::string_view> wanted) {
  auto waited = wait_for_model(p.client, p.context.arn, p.project_arn, wanted, p.wait);
  if (!waited) {
    print_error(Error{waited.error().describe()});
    return kExitFailure;
  }
  switch (waited->end) {
    case WaitEnd::kReached:
      fmt::print("model: {} after {}\n", waited->model.status,
                 format_duration(std::chrono::duration_cast<std::chrono::seconds>(waited->waited)));
      return kExitOk;
    case WaitEnd::kFailed:
      print_error(Error{
          fmt::format("the model is {}: {}", waited->model.status, waited->model.status_message)});
      return kExitFailure;
    case WaitEnd::kTimedOut:
      print_error(Error{fmt::format("still {} after --timeout {}", waited->model.status,
                                    format_duration(p.wait.timeout))});
      return kExitFailure;
    case WaitEnd::kCancelled:
      fmt::print("model: stopped waiting; the model is {} and carries on without iuprobe\n",
                 waited->model.status);
      return exit_code_for_signal(interrupt_signal());
  }
  return kExitFailure;
}

}  // namespace

int model_start_command(const ModelCommandOptions& o) {
  if (o.min_iu == 0) {
    print_error(Error{"--min-iu N is required: how many inference units to start"});
    return kExitUsage;
  }
  if (o.max_iu != 0 && o.max_iu < o.min_iu) {
    print_error(Error{fmt::format("--max-iu {} is below --min-iu {}", o.max_iu, o.min_iu)});
    return kExitUsage;
  }
  auto p = prepare(o);
  if (!p) {
    print_error(p.error());
    return kExitUsage;
  }
  auto started = p->client.start(p->context.arn, o.min_iu,
                                 o.max_iu == 0 ? std::nullopt : std::optional<unsigned>(o.max_iu));
  if (!started) {
    print_error(Error{fmt::format("StartProjectVersion: {}", started.error().describe())});
    return kExitFailure;
  }
  fmt::print(
      "model: {} with {} IU(s){}. It is billed per IU-hour until stopped:\n  iuprobe model stop "
      "--project-version-arn {}\n",
      started->empty() ? "STARTING" : *started, o.min_iu,
      o.max_iu != 0 ? fmt::format(", auto-scaling up to {}", o.max_iu) : "", p->context.arn.text);
  std::fflush(stdout);
  return o.wait ? wait_and_report(*p, {"RUNNING"}) : kExitOk;
}

int model_stop_command(const ModelCommandOptions& o) {
  auto p = prepare(o);
  if (!p) {
    print_error(p.error());
    return kExitUsage;
  }
  auto stopped = p->client.stop(p->context.arn);
  if (!stopped) {
    print_error(Error{fmt::format("StopProjectVersion: {}", stopped.error().describe())});
    return kExitFailure;
  }
  fmt::print("model: {}\n", stopped->empty() ? "STOPPING" : *stopped);
  std::fflush(stdout);
  return o.wait ? wait_and_report(*p, {"STOPPED"}) : kExitOk;
}

int model_status_command(const ModelCommandOptions& o) {
  auto p = prepare(o);
  if (!p) {
    print_error(p.error());
    return kExitUsage;
  }
  auto model = p->client.describe(p->context.arn, p->project_arn);
  if (!model) {
    print_error(Error{fmt::format("DescribeProjectVersions: {}", model.error().describe())});
    return kExitFailure;
  }
  fmt::print("model     {}\nproject   {}\nstatus    {}{}{}\nIUs       {} min{}\n",
             p->context.arn.text, model->project_arn, model->status,
             model->status_message.empty() ? "" : " - ", model->status_message,
             model->min_inference_units,
             model->max_inference_units
                 ? fmt::format(", {} max (auto-scaling)", *model->max_inference_units)
                 : "");
  return kExitOk;
}

}  // namespace iuprobe
