// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "emulator/config.h"

namespace iuprobe {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class ModelStatus { kStopped, kStarting, kRunning, kStopping };
std::string_view to_string(ModelStatus status);

// One emulated model version: lifecycle, IU capacity (slots and a small queue, optionally
// behind a rate limiter), auto-scaling and the billing meter. Time is passed in, so tests drive it
// with a manual clock; nothing here waits. Invariant: busy slots never exceed IUs × slots, except
// for the moment after a scale-down, when requests already in service finish first.
class EmulatedModel {
 public:
  EmulatedModel(ModelConfig config, SteadyTime now);

  const ModelConfig& config() const { return config_; }

  // Applies transitions that are due (STARTING → RUNNING, STOPPING → STOPPED), auto-scaling and
  // billing up to `now`. Every other call does this first.
  void advance(SteadyTime now);
  ModelStatus status(SteadyTime now);

  // StartProjectVersion / StopProjectVersion; on refusal, the ResourceInUseException message.
  std::optional<std::string> start(SteadyTime now, unsigned min_iu, std::optional<unsigned> max_iu);
  std::optional<std::string> stop(SteadyTime now);

  enum class Admission { kServe, kQueue, kRefuse };
  // kServe takes a slot from admitted_at(); kQueue means the caller must enqueue() a wake-up and
  // wait for it (the slot is handed over when it runs); kRefuse is
  // ProvisionedThroughputExceeded. `arrived` is when the request came: the emulator's event loop
  // may read it later (busy with others, or not scheduled on a machine it shares with the load
  // generator), and that delay must not cost the client capacity. The model's time only runs
  // forward: a request read after one that came later is admitted at that later time.
  Admission admit(SteadyTime arrived);
  SteadyTime admitted_at() const { return admitted_at_; }
  // The wake-up gets the time the slot became free: the waiter's service starts then, not when
  // its coroutine happens to resume, so timer lateness does not eat into capacity.
  using Wake = std::function<void(std::optional<SteadyTime> slot_free_at)>;
  // May run `wake` before it returns: when a slot whose answer has gone ended after the request
  // came (it was read late).
  void enqueue(Wake wake);
  // A slot taken by admit() or a wake-up is busy until `done`; at `done` it is free again even
  // if the event loop has not yet run release() (a hiccup of the emulator's own thread must not
  // cost capacity): every call with a later time frees it first.
  void hold_until(SteadyTime done);
  // The answer held until `done` has gone: hands its slot straight to the first waiter, if
  // any. Otherwise the slot frees when an admission's time passes `done` (a request read after
  // this may have come before it, and then found the slot taken).
  void release(SteadyTime done);
  // Shutting down: wakes every waiter without a slot (nullopt).
  void wake_all_waiters();

  // Service time for an image of `megapixels`, with jitter drawn from `uniform` in [0, 1),
  // for a service starting at `start`: longer by the slowdown while the model refuses
  // requests (see CapacityModel::slowdown).
  Duration service_time(double megapixels, double uniform, SteadyTime start);

  unsigned inference_units() const { return current_iu_; }
  unsigned min_inference_units() const { return min_iu_; }
  std::optional<unsigned> max_inference_units() const { return max_iu_; }
  unsigned busy_slots() const { return busy_ - answered_; }  // answered ones aside
  std::size_t queued() const { return waiters_.size(); }
  double billed_iu_seconds() const { return billed_iu_seconds_; }
  std::uint64_t scale_events() const { return scale_events_; }

 private:
  // When each busy slot frees, and whether its answer has gone (release() without a waiter).
  using Holds = std::multimap<SteadyTime, bool>;

  void enter(ModelStatus status, SteadyTime now);
  void autoscale(SteadyTime now);
  void free_slot(SteadyTime at);
  void reap(SteadyTime now);
  Holds::iterator end_hold(Holds::iterator hold);  // its slot freed; the next hold
  Admission refuse(SteadyTime now);
  void forget_refusals(SteadyTime now);  // those a second old or more
  unsigned slot_capacity() const { return current_iu_ * config_.capacity.slots_per_iu; }
  std::size_t queue_capacity() const { return current_iu_ * config_.capacity.queue_per_iu; }

  ModelConfig config_;
  RateLimiter limiter_;
  ModelStatus status_;
  SteadyTime changed_at_;
  SteadyTime billed_until_;
  double billed_iu_seconds_ = 0;
  unsigned min_iu_;
  std::optional<unsigned> max_iu_;
  unsigned current_iu_;
  unsigned busy_ = 0;
  SteadyTime admitted_at_{};  // of the latest admit()
  std::deque<Wake> waiters_;
  Holds holds_;
  unsigned answered_ = 0;              // holds whose answer has gone
  std::deque<SteadyTime> refused_at_;  // refusals in the last second, for the slowdown
  // Auto-scaling: since when the model has been saturated (a refusal, or every slot busy) or
  // idle (peak load would fit in one IU fewer, at half occupancy) without a break.
  std::optional<SteadyTime> saturated_since_;
  std::optional<SteadyTime> idle_since_;
  bool refused_since_check_ = false;
  unsigned peak_busy_since_check_ = 0;
  SteadyTime last_check_;
  std::uint64_t scale_events_ = 0;
};

// What `model` serves when these images are sent in turn, evenly spaced: IUs x slots / mean
// service time, or the rate limit if lower (the figure a probe should find; the demo compares
// with it). Fails on an image it cannot read.
Result<double> configured_capacity(const ModelConfig& model, std::span<const std::string> images);

}  // namespace iuprobe
