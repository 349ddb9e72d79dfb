// SPDX-License-Identifier: Apache-2.0
#include "emulator/control_plane.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace iuprobe {
namespace {

namespace json = boost::json;

constexpr double kProjectCreated = 1600000000.0;  // seconds, as the ARNs' timestamps say
constexpr double kVersionCreated = 1600000000.001;

ServiceResult<std::string> required_string(const json::object& input, std::string_view key) {
  const json::value* v = input.if_contains(key);
  if (!v || !v->is_string()) {
    return service_error("ValidationException",
                         fmt::format("1 validation error detected: Value null at '{}' failed to "
                                     "satisfy constraint: Member must not be null",
                                     key));
  }
  return std::string(v->get_string());
}

// An optional list of names; absent means "all".
ServiceResult<std::optional<std::vector<std::string>>> name_filter(const json::object& input,
                                                                   std::string_view key) {
  const json::value* v = input.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_array())
    return service_error("SerializationException", fmt::format("{} must be a list", key));
  std::vector<std::string> names;
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return service_error("SerializationException", fmt::format("{} must list strings", key));
    names.emplace_back(item.get_string());
  }
  return names;
}

struct Page {
  std::size_t first = 0;
  std::size_t size = 100;
};

// MaxResults 1-100 (default 100); NextToken is the index of the next item, as we issued it.
ServiceResult<Page> read_page(const json::object& input) {
  Page page;
  if (const json::value* v = input.if_contains("MaxResults")) {
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > 100) {
      return service_error("InvalidParameterException", "MaxResults must be between 1 and 100.");
    }
    page.size = static_cast<std::size_t>(v->get_int64());
  }
  if (const json::value* v = input.if_contains("NextToken")) {
    const std::string_view token = v->is_string() ? std::string_view(v->get_string()) : "";
    constexpr std::string_view kPrefix = "emulator-page-";
    auto [end, ec] = std::from_chars(token.data() + std::min(token.size(), kPrefix.size()),
                                     token.data() + token.size(), page.first);
    if (!token.starts_with(kPrefix) || ec != std::errc{} || end != token.data() + token.size()) {
      return service_error("InvalidPaginationTokenException",
                           "The pagination token is not one this endpoint issued.");
    }
  }
  return page;
}

// Copies the page's share of `items` into out[key], with NextToken when more remain.
json::object paged(json::array items, const Page& page, std::string_view key) {
  json::object out;
  json::array slice;
  for (std::size_t i = page.first; i < items.size() && slice.size() < page.size; ++i)
    slice.push_back(std::move(items[i]));
  if (page.first + slice.size() < items.size())
    out["NextToken"] = fmt::format("emulator-page-{}", page.first + slice.size());
  out[key] = std::move(slice);
  return out;
}

bool listed(const std::optional<std::vector<std::string>>& filter, const std::string& name) {
  return !filter || std::find(filter->begin(), filter->end(), name) != filter->end();
}

ServiceResult<unsigned> inference_units(const json::object& input, std::string_view key) {
  const json::value* v = input.if_contains(key);
  if (!v || !v->is_int64() || v->get_int64() < 1 || v->get_int64() > 1000) {
    return service_error("InvalidParameterException",
                         fmt::format("{} must be a whole number from 1 to 1000.", key));
  }
  return static_cast<unsigned>(v->get_int64());
}

}  // namespace

ServiceResult<ModelEntry*> find_model(std::vector<ModelEntry>& models, std::string_view arn) {
  for (ModelEntry& entry : models) {
    if (entry.version_arn == arn) return &entry;
  }
  return service_error("ResourceNotFoundException",
                       fmt::format("The model {} does not exist on this endpoint.", arn));
}

ServiceResult<json::object> describe_projects(const std::vector<ModelEntry>& models,
                                              const json::object& input) {
  auto names = name_filter(input, "ProjectNames");
  if (!names) return tl::unexpected(names.error());
  auto page = read_page(input);
  if (!page) return tl::unexpected(page.error());
  json::array projects;
  std::vector<std::string> seen;
  for (const ModelEntry& entry : models) {
    const std::string& project = entry.model.config().project;
    if (std::find(seen.begin(), seen.end(), project) != seen.end() || !listed(*names, project))
      continue;
    seen.push_back(project);
    projects.push_back({{"ProjectArn", entry.project_arn},
                        {"CreationTimestamp", kProjectCreated},
                        {"Status", "CREATED"},
                        {"Feature", "CUSTOM_LABELS"}});
  }
  return paged(std::move(projects), *page, "ProjectDescriptions");
}

ServiceResult<json::object> describe_project_versions(std::vector<ModelEntry>& models,
                                                      const json::object& input, SteadyTime now) {
  auto project_arn = required_string(input, "ProjectArn");
  if (!project_arn) return tl::unexpected(project_arn.error());
  auto names = name_filter(input, "VersionNames");
  if (!names) return tl::unexpected(names.error());
  auto page = read_page(input);
  if (!page) return tl::unexpected(page.error());
  bool project_found = false;
  json::array versions;
  for (ModelEntry& entry : models) {
    if (entry.project_arn != *project_arn) continue;
    project_found = true;
    if (!listed(*names, entry.model.config().version)) continue;
    EmulatedModel& model = entry.model;
    const ModelStatus status = model.status(now);
    json::object item{{"ProjectVersionArn", entry.version_arn},
                      {"CreationTimestamp", kVersionCreated},
                      {"Status", to_string(status)},
                      {"StatusMessage", fmt::format("The model is {}.", to_string(status))},
                      {"MinInferenceUnits", model.min_inference_units()},
                      {"BillableTrainingTimeInSeconds", 3600},
                      {"TrainingEndTimestamp", kVersionCreated}};
    if (model.max_inference_units()) item["MaxInferenceUnits"] = *model.max_inference_units();
    versions.push_back(std::move(item));
  }
  if (!project_found) {
    return service_error(
        "ResourceNotFoundException",
        fmt::format("The project {} does not exist on this endpoint.", *project_arn));
  }
  return paged(std::move(versions), *page, "ProjectVersionDescriptions");
}

ServiceResult<json::object> start_project_version(std::vector<ModelEntry>& models,
                                                  const json::object& input, SteadyTime now) {
  auto arn = required_string(input, "ProjectVersionArn");
  if (!arn) return tl::unexpected(arn.error());
  auto entry = find_model(models, *arn);
  if (!entry) return tl::unexpected(entry.error());
  auto min_iu = inference_units(input, "MinInferenceUnits");
  if (!min_iu) return tl::unexpected(min_iu.error());
  std::optional<unsigned> max_iu;
  if (input.contains("MaxInferenceUnits")) {
    auto max = inference_units(input, "MaxInferenceUnits");
    if (!max) return tl::unexpected(max.error());
    if (*max < *min_iu) {
      return service_error("InvalidParameterException",
                           "MaxInferenceUnits must not be less than MinInferenceUnits.");
    }
    max_iu = *max;
  }
  if (auto refused = (*entry)->model.start(now, *min_iu, max_iu))
    return service_error("ResourceInUseException", *refused);
  return json::object{{"Status", "STARTING"}};
}

ServiceResult<json::object> stop_project_version(std::vector<ModelEntry>& models,
                                                 const json::object& input, SteadyTime now) {
  auto arn = required_string(input, "ProjectVersionArn");
  if (!arn) return tl::unexpected(arn.error());
  auto entry = find_model(models, *arn);
  if (!entry) return tl::unexpected(entry.error());
  if (auto& failures = (*entry)->stop_failures; !failures.empty()) {
    std::string type = std::move(failures.front());
    failures.erase(failures.begin());
    return service_error(std::move(type), "injected by the emulator's stop_failures setting");
  }
  if (auto refused = (*entry)->model.stop(now))
    return service_error("ResourceInUseException", *refused);
  return json::object{{"Status", "STOPPING"}};
}

}  // namespace iuprobe
