// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudwatch/metric_data.h"
#include "emulator/config.h"
#include "emulator/service_error.h"

namespace iuprobe {

// What CloudWatch would hold about the emulator's models, from its real counters: one point a
// minute in namespace AWS/Rekognition. Request counts (SuccessfulRequestCount, ThrottledCount,
// ServerErrorCount, UserErrorCount) are kept under the model's ProjectName and VersionName, and
// summed over models under Operation=DetectCustomLabels; the IU metrics
// (InServiceInferenceUnits, DesiredInferenceUnits, MinInferenceUnits, MaxInferenceUnits) under
// the model's dimensions, while it runs. As in CloudWatch, a minute without requests has no
// request-count point. Minutes older than 63 days are forgotten, so memory stays bounded.
class MetricStore {
 public:
  enum class Outcome { kSuccess, kThrottled, kServerError, kUserError };

  // Models are numbered in the order they are added.
  std::size_t add_model(std::string project, std::string version);

  void count(std::size_t model, std::int64_t epoch_s, Outcome outcome);
  // One look at the IUs of a running model (called on every clock tick; a minute's value is the
  // average of its looks).
  void sample_iu(std::size_t model, std::int64_t epoch_s, unsigned in_service, unsigned desired,
                 unsigned min_iu, unsigned max_iu);

  // A made-up past for [from, to): a daily cycle peaking at 14:00 UTC at `peak_tps` (a quiet
  // night at 15% of it), weekends at 35%, ±8% noise from `seed`; served by `iu` IUs of
  // `tps_per_iu` each, the rest throttled.
  struct History {
    std::int64_t from = 0, to = 0;
    double peak_tps = 0;
    unsigned iu = 1;
    double tps_per_iu = 0;
    std::uint64_t seed = 1;
  };
  void add_history(std::size_t model, const History& history);
  // A recorded past (a history CSV), minutes older than 63 days before `now` left out.
  void add_recorded(std::size_t model, const std::vector<RecordedMinute>& minutes,
                    std::int64_t now);

  // GetMetricData and ListMetrics over what is stored.
  ServiceResult<MetricDataPage> get_metric_data(const MetricDataRequest& request) const;
  boost::json::object list_metrics(const boost::json::object& input) const;
  // Either of them by its name (a CloudWatch operation, AWS JSON 1.0): the answer's object.
  ServiceResult<boost::json::object> call(std::string_view operation,
                                          const boost::json::object& input) const;

 private:
  struct Minute {
    double successful = 0, throttled = 0, server_errors = 0, user_errors = 0;
    double in_service_sum = 0, desired_sum = 0;
    unsigned iu_looks = 0;
    unsigned min_iu = 0, max_iu = 0;
    bool has_requests() const { return successful + throttled + server_errors + user_errors > 0; }
  };
  struct Model {
    std::string project, version;
    std::map<std::int64_t, Minute> minutes;  // by the minute's start
  };
  Minute& minute(std::size_t model, std::int64_t epoch_s);
  std::vector<MetricPoint> series(const MetricQuery& query, std::int64_t start,
                                  std::int64_t end) const;

  std::vector<Model> models_;
};

}  // namespace iuprobe
