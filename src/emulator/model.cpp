// SPDX-License-Identifier: Apache-2.0
#include "emulator/model.h"

#include <fmt/format.h>

#include <algorithm>

#include "emulator/image_info.h"

namespace iuprobe {
namespace {

// Auto-scaling looks at load in steps this long: shorter looks see noise, longer react late.
constexpr Duration kScalingCheck = std::chrono::milliseconds(500);

}  // namespace

std::string_view to_string(ModelStatus status) {
  switch (status) {
    case ModelStatus::kStopped:
      return "STOPPED";
    case ModelStatus::kStarting:
      return "STARTING";
    case ModelStatus::kRunning:
      return "RUNNING";
    case ModelStatus::kStopping:
      return "STOPPING";
  }
  return "UNKNOWN";
}

EmulatedModel::EmulatedModel(ModelConfig config, SteadyTime now)
    : config_(std::move(config)),
      limiter_(config_.capacity.limit, now),
      status_(config_.running ? ModelStatus::kRunning : ModelStatus::kStopped),
      changed_at_(now),
      billed_until_(now),
      min_iu_(config_.inference_units),
      max_iu_(config_.max_inference_units),
      current_iu_(config_.inference_units),
      last_check_(now) {}

void EmulatedModel::advance(SteadyTime now) {
  if (now < billed_until_) now = billed_until_;  // callers' clocks only move forward
  // Bill up to each transition at the IU count that held until then.
  auto bill_until = [&](SteadyTime t) {
    if (status_ == ModelStatus::kRunning)
      billed_iu_seconds_ += current_iu_ * to_seconds(t - billed_until_);
    billed_until_ = t;
  };
  if (status_ == ModelStatus::kStarting && now - changed_at_ >= config_.start_time) {
    const SteadyTime at = changed_at_ + config_.start_time;
    bill_until(at);
    enter(ModelStatus::kRunning, at);
  }
  if (status_ == ModelStatus::kStopping && now - changed_at_ >= config_.stop_time) {
    const SteadyTime at = changed_at_ + config_.stop_time;
    bill_until(at);
    enter(ModelStatus::kStopped, at);
  }
  bill_until(now);
  if (status_ == ModelStatus::kRunning && max_iu_ && *max_iu_ > min_iu_) autoscale(now);
}

void EmulatedModel::enter(ModelStatus status, SteadyTime now) {
  status_ = status;
  changed_at_ = now;
  saturated_since_.reset();
  idle_since_.reset();
  last_check_ = now;
  if (status == ModelStatus::kStarting || status == ModelStatus::kStopped) current_iu_ = min_iu_;
}

void EmulatedModel::autoscale(SteadyTime now) {
  if (now - last_check_ < kScalingCheck) return;
  last_check_ = now;
  const bool saturated = refused_since_check_ || peak_busy_since_check_ >= slot_capacity();
  const bool idle = !refused_since_check_ && current_iu_ > min_iu_ &&
                    2 * peak_busy_since_check_ <= (current_iu_ - 1) * config_.capacity.slots_per_iu;
  refused_since_check_ = false;
  peak_busy_since_check_ = busy_slots();
  if (!saturated) saturated_since_.reset();
  if (!idle) idle_since_.reset();
  if (saturated && !saturated_since_) saturated_since_ = now;
  if (idle && !idle_since_) idle_since_ = now;
  if (saturated_since_ && now - *saturated_since_ >= config_.scaling.scale_up_after &&
      current_iu_ < *max_iu_) {
    ++current_iu_;
    ++scale_events_;
    saturated_since_ = now;
    // New slots take waiting requests at once.
    while (busy_ < slot_capacity() && !waiters_.empty()) {
      ++busy_;
      auto wake = std::move(waiters_.front());
      waiters_.pop_front();
      wake(now);
    }
  }
  if (idle_since_ && now - *idle_since_ >= config_.scaling.scale_down_after) {
    --current_iu_;
    ++scale_events_;
    idle_since_ = now;
  }
}

ModelStatus EmulatedModel::status(SteadyTime now) {
  advance(now);
  return status_;
}

std::optional<std::string> EmulatedModel::start(SteadyTime now, unsigned min_iu,
                                                std::optional<unsigned> max_iu) {
  advance(now);
  if (status_ != ModelStatus::kStopped) {
    return fmt::format("The model is {}; only a STOPPED model can be started.", to_string(status_));
  }
  min_iu_ = min_iu;
  max_iu_ = max_iu;
  enter(ModelStatus::kStarting, now);
  return std::nullopt;
}

std::optional<std::string> EmulatedModel::stop(SteadyTime now) {
  advance(now);
  if (status_ != ModelStatus::kRunning) {
    return fmt::format("The model is {}; only a RUNNING model can be stopped.", to_string(status_));
  }
  enter(ModelStatus::kStopping, now);
  return std::nullopt;
}

EmulatedModel::Admission EmulatedModel::admit(SteadyTime arrived) {
  admitted_at_ = std::max(admitted_at_, arrived);
  const SteadyTime now = admitted_at_;
  advance(now);
  reap(now);
  if (!limiter_.admit(now, config_.capacity.limit.per_iu * current_iu_)) return refuse(now);
  if (busy_ < slot_capacity()) {
    ++busy_;
    peak_busy_since_check_ = std::max(peak_busy_since_check_, busy_);
    return Admission::kServe;
  }
  if (waiters_.size() < queue_capacity()) return Admission::kQueue;
  return refuse(now);
}

EmulatedModel::Admission EmulatedModel::refuse(SteadyTime now) {
  refused_since_check_ = true;
  if (config_.capacity.slowdown > 0) {
    refused_at_.push_back(now);
    forget_refusals(now);
  }
  return Admission::kRefuse;
}

void EmulatedModel::enqueue(Wake wake) {
  waiters_.push_back(std::move(wake));
  // A slot whose answer has gone (its end is past) waits for no admission to free it for a
  // request already waiting: no other request may come to run reap().
  for (auto hold = holds_.begin(); hold != holds_.end() && !waiters_.empty();) {
    if (!hold->second) {
      ++hold;
      continue;
    }
    hold = end_hold(hold);
  }
}

void EmulatedModel::hold_until(SteadyTime done) {
  holds_.emplace(done, false);
}

void EmulatedModel::free_slot(SteadyTime at) {
  if (!waiters_.empty() && busy_ <= slot_capacity()) {
    auto wake = std::move(waiters_.front());
    waiters_.pop_front();
    wake(at);  // the slot passes to the waiter: busy_ stays
    return;
  }
  if (busy_ > 0) --busy_;
}

void EmulatedModel::reap(SteadyTime now) {
  while (!holds_.empty() && holds_.begin()->first <= now) end_hold(holds_.begin());
}

EmulatedModel::Holds::iterator EmulatedModel::end_hold(Holds::iterator hold) {
  const auto [done, answered] = *hold;
  const auto next = holds_.erase(hold);
  if (answered) --answered_;
  free_slot(done);
  return next;
}

void EmulatedModel::release(SteadyTime done) {
  auto [first, last] = holds_.equal_range(done);
  const auto held = std::find_if(first, last, [](const auto& hold) { return !hold.second; });
  if (held == last) return;  // reaped (or released) already
  if (!waiters_.empty()) {
    end_hold(held);
    return;
  }
  // Nobody waits: the slot stays taken until an admission's time passes `done`, for a request
  // read after this answer may have come before it (admit takes the time it came).
  held->second = true;
  ++answered_;
}

void EmulatedModel::wake_all_waiters() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& wake : waiters) wake(std::nullopt);
}

Duration EmulatedModel::service_time(double megapixels, double uniform, SteadyTime start) {
  const CapacityModel& c = config_.capacity;
  const double mean = to_seconds(c.base_service) + to_seconds(c.service_per_megapixel) * megapixels;
  double slower = 1;
  if (c.slowdown > 0) {
    forget_refusals(start);
    // Refusing costs work: the refusals of the last second, as a share of what the slots serve.
    const double capacity = current_iu_ * c.slots_per_iu / mean;
    slower += c.slowdown * std::min(1.0, static_cast<double>(refused_at_.size()) / capacity);
  }
  return from_seconds(mean * (1 + c.jitter * (2 * uniform - 1)) * slower);
}

void EmulatedModel::forget_refusals(SteadyTime now) {
  while (!refused_at_.empty() && now - refused_at_.front() >= std::chrono::seconds(1))
    refused_at_.pop_front();
}

Result<double> configured_capacity(const ModelConfig& model, std::span<const std::string> images) {
  if (images.empty()) return fail(ErrorKind::kInput, "no images");
  double total_service_s = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto info = read_image_info(images[i]);
    if (!info) return with_context(info.error(), fmt::format("image {}", i + 1));
    total_service_s += to_seconds(model.capacity.base_service) +
                       to_seconds(model.capacity.service_per_megapixel) * info->megapixels();
  }
  const double mean_service_s = total_service_s / static_cast<double>(images.size());
  const double slots = model.inference_units * model.capacity.slots_per_iu / mean_service_s;
  if (model.capacity.limit.kind == LimiterKind::kNone) return slots;
  return std::min(slots, model.inference_units * model.capacity.limit.per_iu);
}

}  // namespace iuprobe
