// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "testing/test_server.h"

namespace iuprobe::testing {

inline constexpr std::string_view kFakeModelArn =
    "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v.1/1600000000000";

// The lifecycle part of Rekognition, for tests: one model (kFakeModelArn, 2 IUs when running)
// that takes two describes to start or stop. Thread-safe: it answers on the server's thread.
class FakeLifecycle {
 public:
  FakeLifecycle()
      : server_([this](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
          co_return answer(request);
        }) {}
  std::string url() const { return server_.url("/"); }

  std::string status() const {
    const std::lock_guard lock(mutex_);
    return status_;
  }
  void set_status(std::string status) {
    const std::lock_guard lock(mutex_);
    status_ = std::move(status);
  }
  // The next StartProjectVersion gets this error type.
  void refuse_next_start(std::string error_type) {
    const std::lock_guard lock(mutex_);
    refuse_start_ = std::move(error_type);
  }
  // The next StopProjectVersion calls get these error types, one each, in order.
  void refuse_next_stops(std::vector<std::string> error_types) {
    const std::lock_guard lock(mutex_);
    refuse_stops_ = std::move(error_types);
  }
  int count(std::string_view operation) const {
    const std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(operations_.begin(), operations_.end(), operation));
  }
  std::string last_authorization() const {
    const std::lock_guard lock(mutex_);
    return last_authorization_;
  }

 private:
  static HttpResponse reply(unsigned code, boost::json::object body) {
    auto response = text_response(code, boost::json::serialize(body));
    response.set("Content-Type", "application/x-amz-json-1.1");
    return response;
  }
  static HttpResponse error(std::string type, std::string message) {
    return reply(400, {{"__type", type}, {"Message", message}});
  }
  HttpResponse answer(HttpRequest& request) {
    const std::lock_guard lock(mutex_);
    const std::string target(request["X-Amz-Target"]);
    const std::string operation = target.substr(target.find('.') + 1);
    operations_.push_back(operation);
    last_authorization_ = std::string(request[boost::beast::http::field::authorization]);
    boost::json::object input = boost::json::parse(request.body()).as_object();
    constexpr std::string_view kProject =
        "arn:aws:rekognition:us-east-1:123456789012:project/p/1500000000000";
    if (operation == "DescribeProjects") {
      return reply(
          200, {{"ProjectDescriptions",
                 boost::json::array{boost::json::object{{"ProjectArn", std::string(kProject)}}}}});
    }
    if (operation == "DescribeProjectVersions") {
      const boost::json::string* project = input["ProjectArn"].if_string();
      if (!project || *project != kProject)
        return error("ResourceNotFoundException", "no such project");
      if (++describes_ >= 2) advance();
      return reply(200, {{"ProjectVersionDescriptions",
                          boost::json::array{
                              boost::json::object{{"ProjectVersionArn", std::string(kFakeModelArn)},
                                                  {"Status", status_},
                                                  {"MinInferenceUnits", 2}}}}});
    }
    if (operation == "StartProjectVersion") {
      if (refuse_start_) return error(*std::exchange(refuse_start_, std::nullopt), "refused");
      if (status_ != "STOPPED") return error("ResourceInUseException", "the model is " + status_);
      status_ = "STARTING";
      describes_ = 0;
      return reply(200, {{"Status", status_}});
    }
    if (operation == "StopProjectVersion") {
      if (!refuse_stops_.empty()) {
        std::string type = refuse_stops_.front();
        refuse_stops_.erase(refuse_stops_.begin());
        return type == "InternalServerError" ? reply(500, {{"__type", type}, {"Message", "oops"}})
                                             : error(type, "refused");
      }
      if (status_ != "RUNNING") return error("ResourceInUseException", "the model is " + status_);
      status_ = "STOPPING";
      describes_ = 0;
      return reply(200, {{"Status", status_}});
    }
    return error("UnknownOperationException", "");
  }
  void advance() {
    if (status_ == "STARTING") status_ = "RUNNING";
    if (status_ == "STOPPING") status_ = "STOPPED";
  }

  mutable std::mutex mutex_;
  std::string status_ = "STOPPED";
  std::optional<std::string> refuse_start_;
  std::vector<std::string> refuse_stops_;
  std::vector<std::string> operations_;
  std::string last_authorization_;
  int describes_ = 0;
  TestServer server_;  // last: it stops answering before the state goes
};

// Credentials that sign but cannot be refreshed.
inline std::shared_ptr<CredentialSource> fake_credentials() {
  return std::make_shared<CredentialSource>(
      [] { return Result<Credentials>(fail(ErrorKind::kAuth, "not refreshable")); },
      Credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret", .source = "test"});
}

}  // namespace iuprobe::testing
