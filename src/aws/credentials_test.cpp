// SPDX-License-Identifier: Apache-2.0
#include "aws/credentials.h"

#include <fmt/chrono.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/test_server.h"

namespace iuprobe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              fmt::format("iuprobe-creds-{}-{}", getpid(), counter_++)) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

// Options with an environment that only has what the test says, and no reachable IMDS.
CredentialOptions options_with(std::map<std::string, std::string, std::less<>> env) {
  env.emplace("HOME", "/nonexistent-home");
  env.emplace("AWS_EC2_METADATA_DISABLED", "true");
  return CredentialOptions{.env = environment_from(std::move(env)), .metadata_timeout = 2s};
}

TEST(Credentials, EnvironmentComesFirst) {
  auto options = options_with({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                               {"AWS_SECRET_ACCESS_KEY", "secret-env"},
                               {"AWS_SESSION_TOKEN", "token-env"}});
  auto credentials = resolve_credentials(options);
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->session_token, "token-env");
  EXPECT_EQ(credentials->source, "environment");
}

TEST(Credentials, HalfAnEnvironmentIsAnError) {
  auto credentials = resolve_credentials(options_with({{"AWS_ACCESS_KEY_ID", "AKIAENV"}}));
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(Credentials, SharedFilesWithProfiles) {
  TempDir dir;
  auto credentials_file =
      dir.write("credentials",
                "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n"
                "[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=s2\n"
                "aws_session_token = t2\n");
  auto config_file =
      dir.write("config",
                "[default]\nregion = eu-west-1\n# comment\n[profile dev]\nregion = us-west-2\n"
                "s3 =\n  max_concurrent_requests = 10\n");
  auto base = options_with({{"AWS_SHARED_CREDENTIALS_FILE", credentials_file.string()},
                            {"AWS_CONFIG_FILE", config_file.string()}});
  auto by_default = resolve_credentials(base);
  ASSERT_TRUE(by_default) << by_default.error().message;
  EXPECT_EQ(by_default->access_key_id, "AKIADEFAULT");

  auto with_env_profile = options_with({{"AWS_SHARED_CREDENTIALS_FILE", credentials_file.string()},
                                        {"AWS_CONFIG_FILE", config_file.string()},
                                        {"AWS_PROFILE", "dev"}});
  auto dev = resolve_credentials(with_env_profile);
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ(dev->access_key_id, "AKIADEV");
  EXPECT_EQ(dev->session_token, "t2");
  EXPECT_EQ(dev->source, "profile dev");

  auto files = load_shared_files(with_env_profile.env);
  ASSERT_TRUE(files);
  EXPECT_EQ(resolve_region(std::nullopt, with_env_profile.env, *files, "dev"), "us-west-2");
  EXPECT_EQ(resolve_region(std::nullopt, base.env, *files, "default"), "eu-west-1");
  EXPECT_EQ(resolve_region("ap-south-1", base.env, *files, "default"), "ap-south-1");
  auto env_region =
      environment_from({{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "us-east-1"}});
  EXPECT_EQ(resolve_region(std::nullopt, env_region, *files, "default"), "us-east-2");
}

TEST(Credentials, ExplicitProfileSkipsTheEnvironmentAndMustExist) {
  TempDir dir;
  auto credentials_file =
      dir.write("credentials", "[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = s\n");
  auto options = options_with({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                               {"AWS_SECRET_ACCESS_KEY", "e"},
                               {"AWS_SHARED_CREDENTIALS_FILE", credentials_file.string()}});
  options.profile = "ci";
  auto ci = resolve_credentials(options);
  ASSERT_TRUE(ci) << ci.error().message;
  EXPECT_EQ(ci->access_key_id, "AKIACI");
  options.profile = "nope";
  auto missing = resolve_credentials(options);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("profile 'nope'"), std::string::npos);
}

TEST(Credentials, CredentialProcessInAConfigProfile) {
  TempDir dir;
  auto script = dir.write(
      "creds.sh",
      "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": "
      "\"sp\", \"SessionToken\": \"tp\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
  fs::permissions(script, fs::perms::owner_all);
  auto config =
      dir.write("config", "[profile tool]\ncredential_process = " + script.string() + "\n");
  auto options = options_with({{"AWS_CONFIG_FILE", config.string()}, {"AWS_PROFILE", "tool"}});
  auto credentials = resolve_credentials(options);
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAPROC");
  EXPECT_EQ(credentials->session_token, "tp");
  ASSERT_TRUE(credentials->expiration);

  auto failing = dir.write("config-bad", "[profile tool]\ncredential_process = /bin/false\n");
  auto bad = resolve_credentials(
      options_with({{"AWS_CONFIG_FILE", failing.string()}, {"AWS_PROFILE", "tool"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("credential_process"), std::string::npos);
}

TEST(Credentials, ContainerEndpointWithAuthorizationToken) {
  std::string seen_authorization;
  TestServer server([&](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    seen_authorization = std::string(request[boost::beast::http::field::authorization]);
    if (request.target() != "/v2/credentials/abc") co_return text_response(404, "");
    co_return text_response(200, R"({"AccessKeyId":"AKIACONT","SecretAccessKey":"sc","Token":"tc",)"
                                 R"("Expiration":"2099-01-01T00:00:00Z"})");
  });
  TempDir dir;
  auto token_file = dir.write("token", "file-token\n");
  auto options =
      options_with({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/v2/credentials/abc")},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token"},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string()}});
  auto credentials = resolve_credentials(options);
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIACONT");
  EXPECT_EQ(credentials->session_token, "tc");
  EXPECT_EQ(seen_authorization, "file-token");  // the file wins over the variable
}

// A fake EC2 instance metadata service that insists on IMDSv2 tokens.
class FakeImds {
 public:
  FakeImds()
      : server_([this](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
          co_return answer(request);
        }) {}
  std::string url() const { return server_.url(""); }
  std::string expiration = "2099-01-01T00:00:00Z";
  int credential_fetches = 0;

 private:
  HttpResponse answer(HttpRequest& request) {
    using boost::beast::http::verb;
    const std::string target(request.target());
    if (target == "/latest/api/token") {
      if (request.method() != verb::put ||
          request["X-aws-ec2-metadata-token-ttl-seconds"].empty()) {
        return text_response(400, "");
      }
      return text_response(200, "TOKEN123");
    }
    if (request["X-aws-ec2-metadata-token"] != "TOKEN123") return text_response(401, "");
    if (target == "/latest/meta-data/iam/security-credentials/")
      return text_response(200, "probe-role");
    if (target == "/latest/meta-data/iam/security-credentials/probe-role") {
      ++credential_fetches;
      return text_response(
          200,
          fmt::format(R"({{"Code":"Success","AccessKeyId":"AKIAIMDS{}","SecretAccessKey":"si",)"
                      R"("Token":"ti","Expiration":"{}"}})",
                      credential_fetches, expiration));
    }
    return text_response(404, "");
  }
  TestServer server_;
};

TEST(Credentials, InstanceMetadataV2) {
  FakeImds imds;
  auto options = options_with({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}});
  auto disabled = resolve_credentials(options);
  EXPECT_FALSE(disabled);  // AWS_EC2_METADATA_DISABLED=true from options_with
  options.env = environment_from(
      {{"HOME", "/nonexistent-home"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}});
  auto credentials = resolve_credentials(options);
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAIMDS1");
  EXPECT_EQ(credentials->session_token, "ti");
  EXPECT_NE(credentials->source.find("probe-role"), std::string::npos);
}

TEST(Credentials, NothingFoundListsWhatWasTried) {
  auto credentials = resolve_credentials(options_with({}));
  ASSERT_FALSE(credentials);
  const std::string& message = credentials.error().message;
  EXPECT_NE(message.find("environment"), std::string::npos);
  EXPECT_NE(message.find("profile 'default'"), std::string::npos);
  EXPECT_NE(message.find("container"), std::string::npos);
  EXPECT_NE(message.find("instance metadata"), std::string::npos);
}

TEST(CredentialSource, RenewsTemporaryCredentialsBeforeTheyExpire) {
  FakeImds imds;
  imds.expiration = fmt::format(
      "{:%Y-%m-%dT%H:%M:%SZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 1h)));
  CredentialOptions options{
      .env = environment_from(
          {{"HOME", "/nonexistent-home"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}})};
  CredentialSource::Resolver resolver = [options] { return resolve_credentials(options); };
  auto initial = resolver();
  ASSERT_TRUE(initial) << initial.error().message;
  // Renew when less than 59m59.8s remain: within about 0.2 s.
  CredentialSource source(resolver, *initial, 1h - 200ms, 100ms);
  EXPECT_EQ(source.current()->access_key_id, "AKIAIMDS1");
  for (int i = 0; i < 100 && source.refreshes() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_GE(source.refreshes(), 1u);
  EXPECT_EQ(source.current()->access_key_id.rfind("AKIAIMDS", 0), 0u);
  EXPECT_NE(source.current()->access_key_id, "AKIAIMDS1");
}

TEST(ParseIso8601, AcceptsTheFormsAwsSends) {
  const auto base = parse_iso8601("2026-11-25T12:00:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(parse_iso8601("2026-11-25T12:00:00.123Z"), base);
  EXPECT_EQ(parse_iso8601("2026-11-25T13:00:00+01:00"), base);
  EXPECT_FALSE(parse_iso8601("yesterday"));
  // Found by fuzz/emulator_config: a year past 2262 overflowed the nanosecond clock; and an
  // offset that is not digits threw from std::stoi.
  EXPECT_TRUE(parse_iso8601("2262-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("9841-12-02T14:05:00Z"));
  EXPECT_FALSE(parse_iso8601("2026-11-25T13:00:00+0a:00"));
  EXPECT_FALSE(parse_iso8601("2026-11-25T13:00:00+-1:00"));
  EXPECT_FALSE(parse_iso8601("2026-11-25T13:00:00+99:99"));
}

TEST(ParseIni, ReportsTheLineOfAMistake) {
  auto bad = parse_ini("[default]\nthis line has no equals sign\n", "config");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("config:2"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
