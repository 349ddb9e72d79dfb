// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/units.h"
#include "engine/plan_peers.h"

struct iuprobe_mpi_api;

namespace iuprobe {

// Whether an MPI launcher started this process with other ranks (mpirun, srun, mpiexec): read
// from the variables they set, without touching MPI (a bare MPI_Init would start a one-rank
// "singleton" job).
bool launched_as_mpi_rank();

// PlanPeers over MPI, through the plugin libiuprobe_mpi.so (loaded at run time: iuprobe itself
// does not link MPI). Found at $IUPROBE_MPI_PLUGIN, else beside the executable, else in
// ../lib/iuprobe/ from it. Collectives wait at most `deadline` for the other ranks; a failure
// is kept and every later call fails with it.
class MpiPeers final : public PlanPeers {
 public:
  static constexpr Duration kDeadline = std::chrono::seconds(10);
  static Result<std::unique_ptr<MpiPeers>> start(Duration deadline = kDeadline);
  ~MpiPeers() override;
  MpiPeers(const MpiPeers&) = delete;
  MpiPeers& operator=(const MpiPeers&) = delete;

  unsigned rank() const override { return rank_; }
  unsigned size() const override { return size_; }
  std::string host() const override { return host_; }
  Result<std::vector<std::string>> gather(std::string mine) override;
  Result<std::string> broadcast(std::string from_rank0) override;
  Result<std::string> await_broadcast(StopToken stop) override;
  void abandon(Error why) override;
  void wait_longer(Duration extra) override { extra_ = extra; }
  // Whether a collective failed (a rank lost): MPI cannot be finalized then.
  bool failed() const { return failure_.has_value(); }
  // Ends every rank at once (after a failure that left others waiting), with `code`.
  [[noreturn]] void abort_all(int code);

 private:
  MpiPeers(const iuprobe_mpi_api* api, Duration deadline) : api_(api), deadline_(deadline) {}
  Result<std::string> broadcast(std::string from_rank0, int deadline_ms, StopToken* stop);
  Error failed(int code, int missing, const std::string& what, const char* error);

  const iuprobe_mpi_api* api_;
  Duration deadline_;
  Duration extra_{0};  // wait_longer()
  unsigned rank_ = 0;
  unsigned size_ = 1;
  std::string host_;
  std::optional<Error> failure_;
};

}  // namespace iuprobe
