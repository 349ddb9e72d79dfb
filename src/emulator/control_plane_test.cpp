// SPDX-License-Identifier: Apache-2.0
#include "emulator/control_plane.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
const SteadyTime kNow{};

std::vector<ModelEntry> three_versions() {
  EmulatorConfig config;
  config.models.clear();
  for (const char* version : {"v1", "v2", "v3"}) {
    ModelConfig m;
    m.project = "cars";
    m.version = version;
    m.running = false;
    config.models.push_back(m);
  }
  std::vector<ModelEntry> models;
  for (const auto& m : config.models)
    models.push_back({emulated_project_arn(config, m), emulated_version_arn(config, m),
                      EmulatedModel(m, kNow), m.stop_failures});
  return models;
}

json::object input(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(ControlPlane, DescribeProjectsListsEachProjectOnce) {
  auto models = three_versions();
  auto out = describe_projects(models, {});
  ASSERT_TRUE(out);
  const auto& projects = out->at("ProjectDescriptions").as_array();
  ASSERT_EQ(projects.size(), 1u);
  EXPECT_EQ(projects[0].at("ProjectArn").as_string(), models[0].project_arn);
  EXPECT_EQ(describe_projects(models, input(R"({"ProjectNames":["boats"]})"))
                ->at("ProjectDescriptions")
                .as_array()
                .size(),
            0u);
}

TEST(ControlPlane, DescribeProjectVersionsFiltersAndPages) {
  auto models = three_versions();
  const std::string project = models[0].project_arn;
  auto first = describe_project_versions(
      models, input(fmt::format(R"({{"ProjectArn":"{}","MaxResults":2}})", project)), kNow);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->at("ProjectVersionDescriptions").as_array().size(), 2u);
  const std::string token(first->at("NextToken").as_string());
  auto second = describe_project_versions(
      models,
      input(
          fmt::format(R"({{"ProjectArn":"{}","MaxResults":2,"NextToken":"{}"}})", project, token)),
      kNow);
  ASSERT_TRUE(second);
  const auto& rest = second->at("ProjectVersionDescriptions").as_array();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].at("ProjectVersionArn").as_string(), models[2].version_arn);
  EXPECT_FALSE(second->contains("NextToken"));

  auto v2 = describe_project_versions(
      models, input(fmt::format(R"({{"ProjectArn":"{}","VersionNames":["v2"]}})", project)), kNow);
  ASSERT_EQ(v2->at("ProjectVersionDescriptions").as_array().size(), 1u);
  EXPECT_EQ(v2->at("ProjectVersionDescriptions").as_array()[0].at("Status").as_string(), "STOPPED");

  EXPECT_EQ(
      describe_project_versions(models, input(R"({"ProjectArn":"arn:nope"})"), kNow).error().type,
      "ResourceNotFoundException");
  EXPECT_EQ(describe_project_versions(
                models,
                input(fmt::format(R"({{"ProjectArn":"{}","NextToken":"forged"}})", project)), kNow)
                .error()
                .type,
            "InvalidPaginationTokenException");
}

TEST(ControlPlane, StartAndStopFollowTheLifecycle) {
  auto models = three_versions();
  const std::string arn = models[1].version_arn;
  auto start = start_project_version(
      models,
      input(fmt::format(
          R"({{"ProjectVersionArn":"{}","MinInferenceUnits":2,"MaxInferenceUnits":3}})", arn)),
      kNow);
  ASSERT_TRUE(start) << start.error().message;
  EXPECT_EQ(start->at("Status").as_string(), "STARTING");
  auto again = start_project_version(
      models, input(fmt::format(R"({{"ProjectVersionArn":"{}","MinInferenceUnits":1}})", arn)),
      kNow);
  EXPECT_EQ(again.error().type, "ResourceInUseException");
  EXPECT_EQ(models[1].model.status(kNow + 10s), ModelStatus::kRunning);
  EXPECT_EQ(models[1].model.inference_units(), 2u);
  EXPECT_EQ(models[1].model.max_inference_units(), 3u);
  auto stop = stop_project_version(
      models, input(fmt::format(R"({{"ProjectVersionArn":"{}"}})", arn)), kNow + 10s);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->at("Status").as_string(), "STOPPING");
  EXPECT_EQ(
      stop_project_version(models, input(R"({"ProjectVersionArn":"arn:x"})"), kNow).error().type,
      "ResourceNotFoundException");
  EXPECT_EQ(start_project_version(
                models,
                input(fmt::format(R"({{"ProjectVersionArn":"{}","MinInferenceUnits":0}})",
                                  models[0].version_arn)),
                kNow)
                .error()
                .type,
            "InvalidParameterException");
}

TEST(ControlPlane, StopFailuresAreAnsweredInOrderBeforeTheModelStops) {
  auto models = three_versions();
  models[0].stop_failures = {"ThrottlingException", "InternalServerError"};
  models[0].model.start(kNow, 1, std::nullopt);
  const auto stop = [&] {
    return stop_project_version(
        models, input(fmt::format(R"({{"ProjectVersionArn":"{}"}})", models[0].version_arn)),
        kNow + 10s);
  };
  auto first = stop();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().type, "ThrottlingException");
  EXPECT_EQ(first.error().http_status(), 500u);
  EXPECT_EQ(stop().error().type, "InternalServerError");
  EXPECT_EQ(models[0].model.status(kNow + 10s), ModelStatus::kRunning);
  auto third = stop();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->at("Status").as_string(), "STOPPING");
}

}  // namespace
}  // namespace iuprobe
