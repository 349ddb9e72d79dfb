// SPDX-License-Identifier: Apache-2.0
// Signing cost per request: with the payload hash computed once per body (what iuprobe does),
// against re-hashing a 1 MB image for every request (what a naive signer does).
#include <benchmark/benchmark.h>

#include "aws/sigv4.h"

namespace iuprobe {
namespace {

const Credentials kCredentials{.access_key_id = "AKIDEXAMPLE",
                               .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                               .session_token = "SESSIONTOKEN"};

SigningRequest request_with_hash(const std::string& hash) {
  return SigningRequest{.method = "POST",
                        .target = "/",
                        .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                                    {"X-Amz-Target", "RekognitionService.DetectCustomLabels"},
                                    {"Host", "rekognition.us-east-1.amazonaws.com"}},
                        .payload_hash = hash};
}

const SigningParams kParams{
    .region = "us-east-1", .service = "rekognition", .time = std::chrono::system_clock::now()};

void BM_SignWithPrecomputedHash(benchmark::State& state) {
  const SigningRequest request = request_with_hash(sha256_hex(std::string(1 << 20, 'x')));
  for (auto _ : state) benchmark::DoNotOptimize(sigv4_sign(request, kCredentials, kParams));
}
BENCHMARK(BM_SignWithPrecomputedHash);

void BM_SignWithCachedKey(benchmark::State& state) {
  const SigningRequest request = request_with_hash(sha256_hex(std::string(1 << 20, 'x')));
  const std::string date = format_amz_date(kParams.time).substr(0, 8);
  const Sha256Digest key =
      sigv4_signing_key(kCredentials.secret_access_key, date, "us-east-1", "rekognition");
  for (auto _ : state) benchmark::DoNotOptimize(sigv4_sign(request, kCredentials, kParams, &key));
}
BENCHMARK(BM_SignWithCachedKey);

void BM_SignRehashing1MiBImage(benchmark::State& state) {
  const std::string body(1 << 20, 'x');
  for (auto _ : state) {
    const SigningRequest request = request_with_hash(sha256_hex(body));
    benchmark::DoNotOptimize(sigv4_sign(request, kCredentials, kParams));
  }
}
BENCHMARK(BM_SignRehashing1MiBImage);

}  // namespace
}  // namespace iuprobe

BENCHMARK_MAIN();
