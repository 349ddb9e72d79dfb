// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/config.h"

namespace iuprobe {

struct BoundingBox {
  double left = 0, top = 0, width = 0, height = 0;  // fractions of the image
};

struct EmulatedLabel {
  std::string name;
  double confidence = 0;           // 0-100
  std::optional<BoundingBox> box;  // detection models only
};

// A stable 64-bit digest of an image's bytes: the same image always gets the same labels.
std::uint64_t image_digest(std::string_view image_bytes);

// The labels a model "sees" in an image: derived from the digest and the seed alone, sorted by
// confidence (highest first). Classification gives every label once, one of them dominant;
// detection gives 1-4 objects with boxes.
std::vector<EmulatedLabel> emulated_labels(const ModelConfig& model, std::uint64_t digest,
                                           std::uint64_t seed);

// The labels DetectCustomLabels returns: confidence >= min_confidence (the service's assumed
// threshold, 50, when not given), at most max_results. As the JSON array CustomLabels.
std::string custom_labels_json(const std::vector<EmulatedLabel>& labels,
                               std::optional<double> min_confidence,
                               std::optional<unsigned> max_results);

// splitmix64: a small, well-mixed generator for jitter and labels, reproducible per seed.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next();
  double uniform();  // [0, 1)
};

}  // namespace iuprobe
