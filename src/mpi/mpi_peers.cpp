// SPDX-License-Identifier: Apache-2.0
#include "mpi/mpi_peers.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "mpi/plugin_abi.h"

namespace iuprobe {
namespace {

constexpr const char* kPlugin = "libiuprobe_mpi.so";

// Where the plugin may be, in the order tried.
std::vector<std::filesystem::path> plugin_paths() {
  if (const char* path = std::getenv("IUPROBE_MPI_PLUGIN"); path != nullptr && *path != '\0')
    return {path};
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {kPlugin};
  const std::filesystem::path dir = exe.parent_path();
  return {dir / kPlugin, dir.parent_path() / "lib" / "iuprobe" / kPlugin};
}

int cancelled(void* context) {
  return static_cast<const StopToken*>(context)->stop_requested() ? 1 : 0;
}

int milliseconds(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

bool launched_as_mpi_rank() {
  // OpenMPI (mpirun), PMIx (OpenMPI, srun --mpi=pmix), PMI (MPICH/Hydra, srun --mpi=pmi2).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

Result<std::unique_ptr<MpiPeers>> MpiPeers::start(Duration deadline) {
  std::string tried;
  void* plugin = nullptr;
  for (const std::filesystem::path& path : plugin_paths()) {
    // Never closed: MPI cannot start again in this process once its library is gone.
    plugin = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (plugin != nullptr) break;
    tried += fmt::format("\n  {}: {}", path.string(), dlerror());
  }
  if (plugin == nullptr) {
    return fail(ErrorKind::kUsage,
                "iuprobe runs as an MPI rank (an MPI launcher's variables are set) but cannot "
                "load its MPI plugin:{}\ninstall the iuprobe-mpi package (or, from source, "
                "build with libopenmpi-dev installed), or point IUPROBE_MPI_PLUGIN at {}",
                tried, kPlugin);
  }
  const auto entry =
      reinterpret_cast<const iuprobe_mpi_api* (*)()>(dlsym(plugin, "iuprobe_mpi_v1"));
  const iuprobe_mpi_api* api = entry != nullptr ? entry() : nullptr;
  if (api == nullptr || api->abi != IUPROBE_MPI_ABI) {
    return fail(ErrorKind::kUsage,
                "{} is not the MPI plugin of this iuprobe version (interface {}, expected {})",
                kPlugin, api != nullptr ? api->abi : -1, IUPROBE_MPI_ABI);
  }
  int rank = 0, size = 1;
  std::array<char, 256> host{};
  std::array<char, 512> error{};
  if (api->init(&rank, &size, host.data(), host.size(), error.data(), error.size()) !=
      IUPROBE_MPI_OK) {
    return fail(ErrorKind::kUsage, "MPI did not start: {}", error.data());
  }
  std::unique_ptr<MpiPeers> peers(new MpiPeers(api, deadline));
  peers->rank_ = static_cast<unsigned>(rank);
  peers->size_ = static_cast<unsigned>(size);
  peers->host_ = host.data();
  return peers;
}

MpiPeers::~MpiPeers() {
  // After a failure a rank may still wait for this one: finalizing would hang (the launcher
  // ends the job instead).
  if (!failure_) api_->finalize();
}

Error MpiPeers::failed(int code, int missing, const std::string& what, const char* error) {
  Error e{.kind = ErrorKind::kNetwork};
  switch (code) {
    case IUPROBE_MPI_DEADLINE:
      e.message = fmt::format(
          "rank {} did not answer within {} ({}): its process ended or its host stalls; the "
          "load stopped on every rank that could be told",
          missing, format_duration(deadline_), what);
      break;
    case IUPROBE_MPI_CANCELLED:
      e = Error{.kind = ErrorKind::kInterrupted, .message = "stopped while waiting for rank 0"};
      break;
    default:
      e.message = fmt::format("MPI failed ({}): {}", what, error);
  }
  failure_ = e;  // the plugin's tags moved on: no later call would pair with the other ranks'
  return e;
}

Result<std::vector<std::string>> MpiPeers::gather(std::string mine) {
  if (failure_) return tl::unexpected(*failure_);
  std::vector<iuprobe_mpi_bytes> out(size_);
  int missing = -1;
  std::array<char, 512> error{};
  const int rc = api_->gather(mine.data(), mine.size(), milliseconds(deadline_ + extra_), nullptr,
                              nullptr, out.data(), &missing, error.data(), error.size());
  if (rc != IUPROBE_MPI_OK)
    return tl::unexpected(failed(rc, missing, "gathering the ranks' messages", error.data()));
  std::vector<std::string> all;
  if (rank_ == 0) {
    for (iuprobe_mpi_bytes& b : out) all.emplace_back(b.data, b.size);
    api_->release(out.data(), out.size());
  }
  return all;
}

Result<std::string> MpiPeers::broadcast(std::string from_rank0) {
  // Rank 0 may itself have waited out the deadline for another rank before it sends: the
  // others wait twice as long, so that rank 0, not they, names the rank that failed.
  const Duration wait = rank_ == 0 ? deadline_ + extra_ : 2 * (deadline_ + extra_);
  return broadcast(std::move(from_rank0), milliseconds(wait), nullptr);
}

void MpiPeers::abandon(Error why) {
  if (!failure_) failure_ = std::move(why);
}

Result<std::string> MpiPeers::await_broadcast(StopToken stop) {
  return broadcast({}, -1, &stop);
}

Result<std::string> MpiPeers::broadcast(std::string from_rank0, int deadline_ms, StopToken* stop) {
  if (failure_) return tl::unexpected(*failure_);
  iuprobe_mpi_bytes out{};
  int missing = -1;
  std::array<char, 512> error{};
  const int rc = api_->broadcast(from_rank0.data(), from_rank0.size(), deadline_ms,
                                 stop != nullptr ? cancelled : nullptr, stop, &out, &missing,
                                 error.data(), error.size());
  if (rc != IUPROBE_MPI_OK)
    return tl::unexpected(failed(rc, missing, "rank 0's message", error.data()));
  std::string message(out.data, out.size);
  api_->release(&out, 1);
  return message;
}

void MpiPeers::abort_all(int code) {
  api_->abort(code);
  std::_Exit(code);
}

}  // namespace iuprobe
