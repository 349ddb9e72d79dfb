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

// Sends to `to` from a copy the plugin owns, and waits until the copy may go. On giving up (a
// deadline, a cancellation) the send stays posted and its copy is left to it, never freed: the
// transport is finished then (iuprobe makes no further call), and a late transfer must not read
// memory given back (MPI_Cancel on a send may have no effect).
int send(const char* data, std::size_t size, int to, int tag, const Wait& wait, char* error,
         std::size_t error_size) {
  const iuprobe_mpi_bytes copy = copy_of(data, size);
  MPI_Request request = MPI_REQUEST_NULL;
  int rc =
      MPI_Isend(copy.data, static_cast<int>(size), MPI_BYTE, to, tag, MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Isend", error, error_size);
  for (;;) {
    int done = 0;
    rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Test", error, error_size);
    if (done != 0) {
      std::free(copy.data);
      return IUPROBE_MPI_OK;
    }
    if (const int why = wait.check(); why != IUPROBE_MPI_OK) return why;
    std::this_thread::sleep_for(kPoll);
  }
}

// One message being received without blocking: once MPI_Iprobe sees it, an MPI_Irecv into a
// buffer of its size, tested until complete (a large message arrives over time, and its sender
// may die mid-way). Given up, a posted receive keeps its buffer, as a send keeps its copy.
struct Receive {
  bool posted = false;
  bool done = false;
  MPI_Request request = MPI_REQUEST_NULL;
  iuprobe_mpi_bytes bytes{nullptr, 0};

  // MPI_SUCCESS or MPI's error; `done` once the message is in `bytes`.
  int poll(int from, int tag) {
    if (!posted) {
      int arrived = 0;
      MPI_Status status;
      if (const int rc = MPI_Iprobe(from, tag, MPI_COMM_WORLD, &arrived, &status);
          rc != MPI_SUCCESS || arrived == 0)
        return rc;
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      bytes = {static_cast<char*>(std::malloc(static_cast<std::size_t>(std::max(count, 1)))),
               static_cast<std::size_t>(count)};
      if (bytes.data == nullptr) return MPI_ERR_NO_MEM;
      if (const int rc =
              MPI_Irecv(bytes.data, count, MPI_BYTE, from, tag, MPI_COMM_WORLD, &request);
          rc != MPI_SUCCESS)
        return rc;
      posted = true;
    }
    int complete = 0;
    const int rc = MPI_Test(&request, &complete, MPI_STATUS_IGNORE);
    done = rc == MPI_SUCCESS && complete != 0;
    return rc;
  }
};

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
  std::vector<Receive> receives(static_cast<std::size_t>(g_size));
  receives[0].done = true;
  for (;;) {
    int left = 0;
    for (int r = 1; r < g_size; ++r) {
      Receive& receive = receives[static_cast<std::size_t>(r)];
      if (receive.done) continue;
      if (const int rc = receive.poll(r, tag); rc != MPI_SUCCESS)
        return mpi_failed(rc, "receiving a rank's message", error, error_size);
      left += receive.done ? 0 : 1;
    }
    if (left == 0) break;
    if (const int why = wait.check(); why != IUPROBE_MPI_OK) {
      for (int r = 1; r < g_size; ++r) {
        if (!receives[static_cast<std::size_t>(r)].done) {
          *missing = r;
          break;
        }
      }
      return why;
    }
    std::this_thread::sleep_for(kPoll);
  }
  out[0] = copy_of(data, size);
  for (int r = 1; r < g_size; ++r) out[r] = receives[static_cast<std::size_t>(r)].bytes;
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
  Receive receive;
  for (;;) {
    if (const int rc = receive.poll(0, tag); rc != MPI_SUCCESS)
      return mpi_failed(rc, "receiving rank 0's message", error, error_size);
    if (receive.done) {
      *out = receive.bytes;
      return IUPROBE_MPI_OK;
    }
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
