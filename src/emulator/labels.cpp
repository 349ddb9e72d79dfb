// SPDX-License-Identifier: Apache-2.0
#include "emulator/labels.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstring>

namespace iuprobe {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t image_digest(std::string_view image_bytes) {
  // FNV-1a over 8-byte words: fast on multi-megabyte images, stable across builds (std::hash
  // is neither specified nor promised to stay the same).
  std::uint64_t h = 0xcbf29ce484222325ULL ^ image_bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= image_bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, image_bytes.data() + i, 8);
    h = (h ^ word) * 0x100000001b3ULL;
  }
  for (; i < image_bytes.size(); ++i)
    h = (h ^ static_cast<unsigned char>(image_bytes[i])) * 0x100000001b3ULL;
  return SplitMix64{h}.next();
}

namespace {

double round_to(double value, double step) {
  return std::round(value / step) * step;
}

}  // namespace

std::vector<EmulatedLabel> emulated_labels(const ModelConfig& model, std::uint64_t digest,
                                           std::uint64_t seed) {
  SplitMix64 rng{digest ^ (seed * 0x9e3779b97f4a7c15ULL)};
  std::vector<EmulatedLabel> labels;
  const std::size_t count = model.labels.size();
  if (model.kind == ModelKind::kClassification) {
    const std::size_t top = rng.next() % count;
    for (std::size_t i = 0; i < count; ++i) {
      const double confidence = i == top ? 70 + 29.9 * rng.uniform() : 60 * rng.uniform();
      labels.push_back({model.labels[i], round_to(confidence, 0.001), std::nullopt});
    }
  } else {
    const std::size_t objects = 1 + rng.next() % 4;
    for (std::size_t i = 0; i < objects; ++i) {
      BoundingBox box;
      box.width = round_to(0.1 + 0.4 * rng.uniform(), 1e-5);
      box.height = round_to(0.1 + 0.4 * rng.uniform(), 1e-5);
      box.left = round_to((1 - box.width) * rng.uniform(), 1e-5);
      box.top = round_to((1 - box.height) * rng.uniform(), 1e-5);
      const double confidence = round_to(40 + 59.9 * rng.uniform(), 0.001);
      labels.push_back({model.labels[rng.next() % count], confidence, box});
    }
  }
  std::stable_sort(labels.begin(), labels.end(),
                   [](const auto& a, const auto& b) { return a.confidence > b.confidence; });
  return labels;
}

std::string custom_labels_json(const std::vector<EmulatedLabel>& labels,
                               std::optional<double> min_confidence,
                               std::optional<unsigned> max_results) {
  const double threshold = min_confidence.value_or(50.0);
  boost::json::array out;
  for (const EmulatedLabel& label : labels) {
    if (label.confidence < threshold) continue;
    if (max_results && out.size() >= *max_results) break;
    boost::json::object item{{"Name", label.name}, {"Confidence", label.confidence}};
    if (label.box) {
      item["Geometry"] = {{"BoundingBox",
                           {{"Width", label.box->width},
                            {"Height", label.box->height},
                            {"Left", label.box->left},
                            {"Top", label.box->top}}}};
    }
    out.push_back(std::move(item));
  }
  return boost::json::serialize(out);
}

}  // namespace iuprobe
