// SPDX-License-Identifier: Apache-2.0
#include "aws/credentials.h"

#include <sys/wait.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "http/fetch.h"

namespace iuprobe {
namespace {

namespace json = boost::json;

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

// The JSON that credential_process, container endpoints and IMDS all answer with
// (the token is "SessionToken" from a process, "Token" from the endpoints).
Result<Credentials> credentials_from_json(std::string_view text, std::string_view source) {
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec || !value.is_object())
    return fail(ErrorKind::kAuth, "{}: the answer is not a JSON object", source);
  const json::object& object = value.get_object();
  Credentials credentials;
  credentials.access_key_id = string_field(object, "AccessKeyId");
  credentials.secret_access_key = string_field(object, "SecretAccessKey");
  credentials.session_token = string_field(object, "SessionToken");
  if (credentials.session_token.empty()) credentials.session_token = string_field(object, "Token");
  credentials.source = std::string(source);
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    const std::string code = string_field(object, "Code");
    const std::string message = string_field(object, "Message");
    return fail(ErrorKind::kAuth, "{}: no AccessKeyId/SecretAccessKey in the answer{}{}", source,
                code.empty() ? "" : ": " + code, message.empty() ? "" : " " + message);
  }
  if (const std::string expiration = string_field(object, "Expiration"); !expiration.empty()) {
    credentials.expiration = parse_iso8601(expiration);
    if (!credentials.expiration)
      return fail(ErrorKind::kAuth, "{}: cannot read Expiration '{}'", source, expiration);
  }
  return credentials;
}

bool is_true(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string lower = *value;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true" || lower == "1";
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

std::optional<SystemTime> parse_iso8601(std::string_view text) {
  if (text.size() < 19) return std::nullopt;
  std::tm tm{};
  const std::string head(text.substr(0, 19));
  const char* end = strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0)
      rest.remove_prefix(1);
  }
  long offset_seconds = 0;
  if (rest == "Z" || rest.empty()) {
    offset_seconds = 0;
  } else if ((rest.front() == '+' || rest.front() == '-') && rest.size() == 6 && rest[3] == ':') {
    const auto digit = [&](std::size_t i) {
      return std::isdigit(static_cast<unsigned char>(rest[i])) != 0 ? rest[i] - '0' : -1;
    };
    if (std::min({digit(1), digit(2), digit(4), digit(5)}) < 0) return std::nullopt;
    const int hours = digit(1) * 10 + digit(2), minutes = digit(4) * 10 + digit(5);
    if (hours > 23 || minutes > 59) return std::nullopt;
    offset_seconds = (rest.front() == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
  } else {
    return std::nullopt;
  }
  // A year past 2262 (or before 1970) would overflow the clock: refused, as X-Amz-Date is.
  return system_time_from(timegm(&tm) - offset_seconds);
}

ProviderResult credentials_from_environment(const EnvLookup& env) {
  const auto key = env("AWS_ACCESS_KEY_ID");
  const auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!key && !secret) return std::nullopt;
  if (!key || key->empty() || !secret || secret->empty()) {
    return fail(
        ErrorKind::kAuth,
        "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set (one is missing "
        "or empty)");
  }
  Credentials credentials{.access_key_id = *key, .secret_access_key = *secret};
  if (auto token = env("AWS_SESSION_TOKEN"); token && !token->empty())
    credentials.session_token = *token;
  credentials.source = "environment";
  return credentials;
}

ProviderResult credentials_from_profile(const CredentialOptions& options,
                                        const SharedFiles& files) {
  const std::string profile = profile_name(options.profile, options.env);
  const auto section = find_profile(files, profile);
  const bool explicit_profile =
      options.profile.has_value() || options.env("AWS_PROFILE").has_value();
  if (!section) {
    if (!explicit_profile) return std::nullopt;
    return fail(
        ErrorKind::kAuth,
        "profile '{}' is in neither {} nor {}; check --profile / AWS_PROFILE or run 'aws configure "
        "--profile {}'",
        profile, files.credentials_path, files.config_path, profile);
  }
  const auto get = [&](std::string_view key) -> std::string {
    auto it = section->find(key);
    return it == section->end() ? std::string() : it->second;
  };
  const std::string key = get("aws_access_key_id");
  const std::string secret = get("aws_secret_access_key");
  if (!key.empty() || !secret.empty()) {
    if (key.empty() || secret.empty()) {
      return fail(ErrorKind::kAuth,
                  "profile '{}': aws_access_key_id and aws_secret_access_key must both be set",
                  profile);
    }
    return Credentials{.access_key_id = key,
                       .secret_access_key = secret,
                       .session_token = get("aws_session_token"),
                       .expiration = std::nullopt,
                       .source = "profile " + profile};
  }
  if (const std::string command = get("credential_process"); !command.empty()) {
    auto credentials = credentials_from_process(command);
    if (!credentials) return with_context(credentials.error(), "profile " + profile);
    credentials->source = "credential_process of profile " + profile;
    return *credentials;
  }
  if (!get("role_arn").empty() || !get("sso_session").empty() || !get("sso_start_url").empty()) {
    return fail(
        ErrorKind::kAuth,
        "profile '{}' uses role_arn or SSO, which iuprobe does not resolve itself; export "
        "credentials "
        "first, e.g. eval \"$(aws configure export-credentials --profile {} --format env)\"",
        profile, profile);
  }
  if (!explicit_profile) return std::nullopt;
  return fail(ErrorKind::kAuth,
              "profile '{}' has no credentials (no aws_access_key_id, no credential_process)",
              profile);
}

Result<Credentials> credentials_from_process(const std::string& command) {
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return fail(ErrorKind::kAuth, "credential_process '{}': cannot start it", command);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(ErrorKind::kAuth, "credential_process '{}' failed (exit status {})", command,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  boost::system::error_code ec;
  const json::value value = json::parse(output, ec);
  if (ec || !value.is_object())
    return fail(ErrorKind::kAuth, "credential_process '{}' did not print a JSON object", command);
  const json::value* version = value.get_object().if_contains("Version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1) {
    return fail(ErrorKind::kAuth, "credential_process '{}': expected \"Version\": 1 in its output",
                command);
  }
  return credentials_from_json(output, "credential_process");
}

ProviderResult credentials_from_container(const CredentialOptions& options) {
  const auto relative = options.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const auto full = options.env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if ((!relative || relative->empty()) && (!full || full->empty())) return std::nullopt;
  const std::string uri =
      relative && !relative->empty() ? "http://169.254.170.2" + *relative : *full;
  auto url = parse_http_url(uri);
  if (!url)
    return fail(ErrorKind::kAuth, "container credentials endpoint '{}': {}", uri,
                url.error().message);
  FetchRequest request{.method = "GET", .url = *url, .timeout = options.metadata_timeout};
  std::optional<std::string> token;
  if (auto file = options.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); file && !file->empty()) {
    token = read_text_file(*file);
    if (!token)
      return fail(ErrorKind::kAuth, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: cannot read it",
                  *file);
  } else if (auto value = options.env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
             value && !value->empty()) {
    token = *value;
  }
  if (token) request.headers.emplace_back("Authorization", *token);
  auto response = fetch(request);
  if (!response)
    return fail(ErrorKind::kAuth, "container credentials: {}", response.error().message);
  if (response->status != 200) {
    return fail(ErrorKind::kAuth, "container credentials endpoint {} answered HTTP {}", uri,
                response->status);
  }
  auto credentials = credentials_from_json(response->body, "container credentials endpoint");
  if (!credentials) return tl::unexpected(credentials.error());
  return *credentials;
}

ProviderResult credentials_from_instance_metadata(const CredentialOptions& options) {
  if (is_true(options.env("AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string endpoint =
      options.env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const auto url = [&](std::string_view path) {
    return parse_http_url(endpoint + std::string(path));
  };
  auto token_url = url("/latest/api/token");
  if (!token_url)
    return fail(ErrorKind::kAuth, "AWS_EC2_METADATA_SERVICE_ENDPOINT '{}': {}", endpoint,
                token_url.error().message);

  auto token = fetch({.method = "PUT",
                      .url = *token_url,
                      .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                      .timeout = options.metadata_timeout});
  if (!token) return std::nullopt;  // no instance metadata service here: not on EC2
  if (token->status != 200)
    return fail(ErrorKind::kAuth, "instance metadata: the IMDSv2 token request got HTTP {}",
                token->status);
  const Header token_header{"X-aws-ec2-metadata-token", token->body};

  auto roles = fetch({.url = *url("/latest/meta-data/iam/security-credentials/"),
                      .headers = {token_header},
                      .timeout = options.metadata_timeout});
  if (!roles) return fail(ErrorKind::kAuth, "instance metadata: {}", roles.error().message);
  if (roles->status == 404) {
    return fail(ErrorKind::kAuth,
                "instance metadata: this instance has no IAM role (attach an instance profile with "
                "rekognition permissions)");
  }
  if (roles->status != 200)
    return fail(ErrorKind::kAuth, "instance metadata: listing roles got HTTP {}", roles->status);
  const std::string role = roles->body.substr(0, roles->body.find('\n'));
  auto credentials = fetch({.url = *url("/latest/meta-data/iam/security-credentials/" + role),
                            .headers = {token_header},
                            .timeout = options.metadata_timeout});
  if (!credentials)
    return fail(ErrorKind::kAuth, "instance metadata: {}", credentials.error().message);
  if (credentials->status != 200) {
    return fail(ErrorKind::kAuth, "instance metadata: credentials of role '{}' got HTTP {}", role,
                credentials->status);
  }
  auto parsed = credentials_from_json(credentials->body, "instance metadata (role " + role + ")");
  if (!parsed) return tl::unexpected(parsed.error());
  return *parsed;
}

Result<Credentials> resolve_credentials(const CredentialOptions& options) {
  std::vector<std::string> tried;
  if (!options.profile) {
    auto env = credentials_from_environment(options.env);
    if (!env) return tl::unexpected(env.error());
    if (*env) return **env;
    tried.push_back("environment (AWS_ACCESS_KEY_ID not set)");
  }
  auto files = load_shared_files(options.env);
  if (!files) return tl::unexpected(files.error());
  auto profile = credentials_from_profile(options, *files);
  if (!profile) return tl::unexpected(profile.error());
  if (*profile) return **profile;
  tried.push_back(fmt::format("profile '{}' (not in {} or {})",
                              profile_name(options.profile, options.env), files->credentials_path,
                              files->config_path));
  auto container = credentials_from_container(options);
  if (!container) return tl::unexpected(container.error());
  if (*container) return **container;
  tried.push_back("container endpoint (AWS_CONTAINER_CREDENTIALS_* not set)");
  auto instance = credentials_from_instance_metadata(options);
  if (!instance) return tl::unexpected(instance.error());
  if (*instance) return **instance;
  tried.push_back(is_true(options.env("AWS_EC2_METADATA_DISABLED"))
                      ? "instance metadata (disabled)"
                      : "instance metadata (no answer)");
  return fail(
      ErrorKind::kAuth,
      "no AWS credentials found; tried {}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run "
      "'aws configure', or pass --profile",
      fmt::join(tried, ", "));
}

Result<std::shared_ptr<CredentialSource>> CredentialSource::create(CredentialOptions options) {
  Resolver resolver = [options = std::move(options)] { return resolve_credentials(options); };
  auto initial = resolver();
  if (!initial) return tl::unexpected(initial.error());
  return std::make_shared<CredentialSource>(std::move(resolver), std::move(*initial));
}

CredentialSource::CredentialSource(Resolver resolver, Credentials initial, Duration refresh_before,
                                   Duration retry_after)
    : resolver_(std::move(resolver)),
      refresh_before_(refresh_before),
      retry_after_(retry_after),
      current_(std::make_shared<const Credentials>(std::move(initial))) {
  if (current_->expiration) thread_ = std::thread([this] { refresh_loop(); });
}

CredentialSource::~CredentialSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Credentials> CredentialSource::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::size_t CredentialSource::refreshes() const {
  std::lock_guard lock(mutex_);
  return refreshes_;
}

void CredentialSource::refresh_loop() {
  std::unique_lock lock(mutex_);
  SystemTime next = *current_->expiration - refresh_before_;
  while (!stopping_) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    auto fresh = resolver_();
    lock.lock();
    const SystemTime now = std::chrono::system_clock::now();
    if (!fresh) {
      fmt::print(stderr, "iuprobe: cannot refresh AWS credentials yet: {}\n",
                 fresh.error().message);
      next = now + retry_after_;
      continue;
    }
    current_ = std::make_shared<const Credentials>(std::move(*fresh));
    ++refreshes_;
    if (!current_->expiration) break;  // long-term keys never expire
    // Credentials that live shorter than the margin are renewed again after retry_after.
    next = std::max(*current_->expiration - refresh_before_, now + retry_after_);
  }
}

}  // namespace iuprobe
