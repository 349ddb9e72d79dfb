// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "aws/config_files.h"
#include "aws/sigv4.h"
#include "core/units.h"

namespace iuprobe {

struct CredentialOptions {
  EnvLookup env = process_environment();
  std::optional<std::string>
      profile;  // --profile (explicit: the environment's keys are then skipped)
  Duration metadata_timeout = std::chrono::seconds(1);  // container and instance metadata calls
};

// Each provider: nullopt when it does not apply here, an error when it applies but fails.
using ProviderResult = Result<std::optional<Credentials>>;
ProviderResult credentials_from_environment(const EnvLookup& env);
ProviderResult credentials_from_profile(const CredentialOptions& options, const SharedFiles& files);
Result<Credentials> credentials_from_process(const std::string& command);
ProviderResult credentials_from_container(const CredentialOptions& options);
ProviderResult credentials_from_instance_metadata(const CredentialOptions& options);

// The SDKs' order: environment (unless --profile), shared files (keys or credential_process),
// container endpoint, EC2 instance metadata (IMDSv2). The error lists what each step found.
Result<Credentials> resolve_credentials(const CredentialOptions& options);

// "2026-11-25T12:00:00Z", with optional fractional seconds or a numeric offset.
std::optional<SystemTime> parse_iso8601(std::string_view text);

// Hands out the current credentials to any thread. Temporary credentials are renewed on a
// background thread `refresh_before` their expiry, so a long run never signs with expired keys
// and no worker ever waits for a metadata call.
class CredentialSource {
 public:
  using Resolver = std::function<Result<Credentials>()>;

  static Result<std::shared_ptr<CredentialSource>> create(CredentialOptions options);
  CredentialSource(Resolver resolver, Credentials initial,
                   Duration refresh_before = std::chrono::minutes(10),
                   Duration retry_after = std::chrono::seconds(30));
  ~CredentialSource();
  CredentialSource(const CredentialSource&) = delete;
  CredentialSource& operator=(const CredentialSource&) = delete;

  std::shared_ptr<const Credentials> current() const;
  std::size_t refreshes() const;

 private:
  void refresh_loop();

  Resolver resolver_;
  Duration refresh_before_;
  Duration retry_after_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<const Credentials> current_;
  std::size_t refreshes_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iuprobe
