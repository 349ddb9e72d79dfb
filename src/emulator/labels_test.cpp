// SPDX-License-Identifier: Apache-2.0
#include "emulator/labels.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace iuprobe {
namespace {

TEST(EmulatedLabels, SameImageAndSeedGiveTheSameLabels) {
  ModelConfig model;
  const auto a = emulated_labels(model, image_digest("image one"), 7);
  EXPECT_EQ(
      custom_labels_json(a, 0.0, std::nullopt),
      custom_labels_json(emulated_labels(model, image_digest("image one"), 7), 0.0, std::nullopt));
  EXPECT_NE(
      custom_labels_json(a, 0.0, std::nullopt),
      custom_labels_json(emulated_labels(model, image_digest("image two"), 7), 0.0, std::nullopt));
}

TEST(EmulatedLabels, ClassificationGivesEveryLabelOnceSortedWithOneDominant) {
  ModelConfig model;
  model.labels = {"a", "b", "c", "d"};
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto labels = emulated_labels(model, image_digest("x"), seed);
    ASSERT_EQ(labels.size(), 4u);
    EXPECT_GE(labels[0].confidence, 70);
    for (std::size_t i = 1; i < labels.size(); ++i) {
      EXPECT_LE(labels[i].confidence, labels[i - 1].confidence);
      EXPECT_LT(labels[i].confidence, 60);
      EXPECT_FALSE(labels[i].box);
    }
  }
}

TEST(EmulatedLabels, DetectionGivesBoxesInsideTheImage) {
  ModelConfig model;
  model.kind = ModelKind::kDetection;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto labels = emulated_labels(model, image_digest("y"), seed);
    ASSERT_GE(labels.size(), 1u);
    ASSERT_LE(labels.size(), 4u);
    for (const auto& label : labels) {
      ASSERT_TRUE(label.box);
      EXPECT_GE(label.box->left, 0);
      EXPECT_LE(label.box->left + label.box->width, 1.0 + 1e-4);
      EXPECT_LE(label.box->top + label.box->height, 1.0 + 1e-4);
    }
  }
}

TEST(EmulatedLabels, JsonHonoursMinConfidenceAndMaxResults) {
  std::vector<EmulatedLabel> labels = {
      {"a", 90, std::nullopt}, {"b", 55, BoundingBox{0.1, 0.2, 0.3, 0.4}}, {"c", 20, std::nullopt}};
  auto all = boost::json::parse(custom_labels_json(labels, 0.0, std::nullopt)).as_array();
  EXPECT_EQ(all.size(), 3u);
  // The default threshold is the service's assumed 50.
  EXPECT_EQ(
      boost::json::parse(custom_labels_json(labels, std::nullopt, std::nullopt)).as_array().size(),
      2u);
  auto one = boost::json::parse(custom_labels_json(labels, 10.0, 1u)).as_array();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].at("Name").as_string(), "a");
  auto boxed = boost::json::parse(custom_labels_json(labels, 50.0, std::nullopt)).as_array();
  EXPECT_DOUBLE_EQ(boxed[1].at("Geometry").at("BoundingBox").at("Left").to_number<double>(), 0.1);
}

}  // namespace
}  // namespace iuprobe
