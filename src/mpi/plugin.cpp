// SPDX-License-Identifier: Apache-2.0
// libiuprobe_mpi.so: the only code that links MPI. Collectives are point-to-point messages
// polled with MPI_Iprobe/MPI_Test and short sleeps rather than blocking MPI_Gather/MPI_Bcast:
// a blocking call cannot give up on a rank that died (OpenMPI 4.1 has no ULFM), cannot be
// interrupted by a stop request, and spins a core while it waits; and rank 0 can name the rank
// it did not hear from. Each collective has its own tag (calls are made in the same order on
// every rank), so a late message is never taken for the next one's.
#include <dlfcn.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "mpi/plugin_abi.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::microseconds(500);
constexpr int kTags = 30000;  // MPI guarantees tags up to at least 32767

int g_rank = 0;
int g_size = 1;
int g_next_tag = 0;

void say(char* error, std::size_t size, const char* format, ...) {
  if (error == nullptr || size == 0) return;
  va_list args;
  va_start(args, format);
  std::vsnprintf(error, size, format, args);
  va_end(args);
}

int mpi_failed(int code, const char* what, char* error, std::size_t error_size) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  say(error, error_size, "%s failed: %s", what, text);
  return IUPROBE_MPI_ERROR;
}

// When a wait must end: its deadline (none when deadline_ms < 0) or a cancellation.
struct Wait {
  std::optional<Clock::time_point> deadline;
  iuprobe_mpi_cancelled cancelled;
  void* context;

  Wait(int deadline_ms, iuprobe_mpi_cancelled c, void* ctx) : cancelled(c), context(ctx) {
    if (deadline_ms >= 0) deadline = Clock::now() + std::chrono::milliseconds(deadline_ms);
  }
  // OK to go on waiting, or why not.
  int check() const {
    if (cancelled != nullptr && cancelled(context) != 0) return IUPROBE_MPI_CANCELLED;
    if (deadline && Clock::now() > *deadline) return IUPROBE_MPI_DEADLINE;
    return IUPROBE_MPI_OK;
  }
};

iuprobe_mpi_bytes copy_of(const char* data, std::size_t size) {
  iuprobe_mpi_bytes b{static_cast<char*>(std::malloc(std::max<std::size_t>(size, 1))), size};
  if (size > 0) std::memcpy(b.data, data, size);
  return b;
}

void release(iuprobe_mpi_bytes* bytes, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::free(bytes[i].data);
    bytes[i] = {nullptr, 0};
  }
}

// Sends to `to` and waits until the send buffer may go.
int send(const char* data, std::size_t size, int to, int tag, const Wait& wait, char* error,
         std::size_t error_size) {
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = MPI_Isend(data, static_cast<int>(size), MPI_BYTE, to, tag, MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Isend", error, error_size);
  for (;;) {
    int done = 0;
    rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Test", error, error_size);
    if (done != 0) return IUPROBE_MPI_OK;
    if (const int why = wait.check(); why != IUPROBE_MPI_OK) {
      MPI_Cancel(&request);
      MPI_Request_free(&request);
      return why;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

// Receives the message with `tag` from `from` if it has arrived: 1 received, 0 not yet.
int try_receive(int from, int tag, iuprobe_mpi_bytes* out, int* rc) {
  int arrived = 0;
  MPI_Status status;
  *rc = MPI_Iprobe(from, tag, MPI_COMM_WORLD, &arrived, &status);
  if (*rc != MPI_SUCCESS || arrived == 0) return 0;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  out->data = static_cast<char*>(std::malloc(static_cast<std::size_t>(std::max(count, 1))));
  out->size = static_cast<std::size_t>(count);
  *rc = MPI_Recv(out->data, count, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return *rc == MPI_SUCCESS ? 1 : 0;
}

int next_tag() {
  const int tag = g_next_tag;
  g_next_tag = (g_next_tag + 1) % kTags;
  return tag;
}

int too_large(std::size_t size, char* error, std::size_t error_size) {
  if (size <= static_cast<std::size_t>(INT_MAX)) return IUPROBE_MPI_OK;
  say(error, error_size, "a message of %zu bytes is too large for MPI", size);
  return IUPROBE_MPI_ERROR;
}

int init(int* rank, int* size, char* host, std::size_t host_size, char* error,
         std::size_t error_size) {
  // As mpi4py does: make libmpi's symbols global before MPI loads its own components.
  dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  int provided = 0;
  int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Init_thread", error, error_size);
  if (provided < MPI_THREAD_FUNNELED) {
    say(error, error_size, "this MPI library does not allow threads (MPI_THREAD_FUNNELED)");
    return IUPROBE_MPI_ERROR;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  *rank = g_rank;
  *size = g_size;
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  say(host, host_size, "%s", name);
  return IUPROBE_MPI_OK;
}

int gather(const char* data, std::size_t size, int deadline_ms, iuprobe_mpi_cancelled cancelled,
           void* context, iuprobe_mpi_bytes* out, int* missing, char* error,
           std::size_t error_size) {
  if (const int rc = too_large(size, error, error_size); rc != IUPROBE_MPI_OK) return rc;
  const int tag = next_tag();
  const Wait wait(deadline_ms, cancelled, context);
  if (g_rank != 0) {
    const int rc = send(data, size, 0, tag, wait, error, error_size);
    if (rc == IUPROBE_MPI_DEADLINE) *missing = 0;
    return rc;
  }
  for (int r = 0; r < g_size; ++r) out[r] = {nullptr, 0};
  out[0] = copy_of(data, size);
  std::vector<bool> received(static_cast<std::size_t>(g_size), false);
  received[0] = true;
  int left = g_size - 1;
  while (left > 0) {
    for (int r = 1; r < g_size; ++r) {
      if (received[static_cast<std::size_t>(r)]) continue;
      int rc = MPI_SUCCESS;
      if (try_receive(r, tag, &out[r], &rc) == 1) {
        received[static_cast<std::size_t>(r)] = true;
        --left;
      } else if (rc != MPI_SUCCESS) {
        release(out, static_cast<std::size_t>(g_size));
        return mpi_failed(rc, "receiving a rank's message", error, error_size);
      }
    }
    if (left == 0) break;
    if (const int why = wait.check(); why != IUPROBE_MPI_OK) {
      *missing =
          static_cast<int>(std::find(received.begin(), received.end(), false) - received.begin());
      release(out, static_cast<std::size_t>(g_size));
      return why;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return IUPROBE_MPI_OK;
}

int broadcast(const char* data, std::size_t size, int deadline_ms, iuprobe_mpi_cancelled cancelled,
              void* context, iuprobe_mpi_bytes* out, int* missing, char* error,
              std::size_t error_size) {
  if (const int rc = too_large(size, error, error_size); rc != IUPROBE_MPI_OK) return rc;
  const int tag = next_tag();
  const Wait wait(deadline_ms, cancelled, context);
  if (g_rank == 0) {
    for (int r = 1; r < g_size; ++r) {
      const int rc = send(data, size, r, tag, wait, error, error_size);
      if (rc == IUPROBE_MPI_DEADLINE) *missing = r;
      if (rc != IUPROBE_MPI_OK) return rc;
    }
    *out = copy_of(data, size);
    return IUPROBE_MPI_OK;
  }
  for (;;) {
    int rc = MPI_SUCCESS;
    if (try_receive(0, tag, out, &rc) == 1) return IUPROBE_MPI_OK;
    if (rc != MPI_SUCCESS) return mpi_failed(rc, "receiving rank 0's message", error, error_size);
    if (const int why = wait.check(); why != IUPROBE_MPI_OK) {
      *missing = 0;
      return why;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

void finalize() {
  MPI_Finalize();
}

void abort_all(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
}

const iuprobe_mpi_api kApi{.abi = IUPROBE_MPI_ABI,
                           .init = init,
                           .gather = gather,
                           .broadcast = broadcast,
                           .release = release,
                           .finalize = finalize,
                           .abort = abort_all};

}  // namespace

extern "C" __attribute__((visibility("default"))) const iuprobe_mpi_api* iuprobe_mpi_v1(void) {
  return &kApi;
}
