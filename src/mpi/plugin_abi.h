// SPDX-License-Identifier: Apache-2.0
// The interface between iuprobe and its MPI plugin (libiuprobe_mpi.so), in C: iuprobe does not
// link MPI; when it runs under an MPI launcher it loads the plugin, which does (see
// docs/design/mpi.md). Every call that waits polls MPI with short sleeps until it completes,
// its deadline passes, or `cancelled(context)` says to give up: a rank that died is noticed by
// the ranks waiting for it, and waiting costs no spinning core.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IUPROBE_MPI_ABI 1

// Bytes the plugin allocated; iuprobe gives them back with release().
typedef struct {
  char* data;
  size_t size;
} iuprobe_mpi_bytes;

// Nonzero: stop waiting (a stop request on this rank).
typedef int (*iuprobe_mpi_cancelled)(void* context);

enum {
  IUPROBE_MPI_OK = 0,
  IUPROBE_MPI_DEADLINE = 1,   // a rank did not take part in time: `missing` names it
  IUPROBE_MPI_CANCELLED = 2,  // cancelled() said so
  IUPROBE_MPI_ERROR = 3,      // MPI failed: `error` says how
};

typedef struct iuprobe_mpi_api {
  int abi;  // IUPROBE_MPI_ABI
  // MPI_Init_thread (funneled: every later call from the calling thread); this rank, the number
  // of ranks, and the processor (host) name.
  int (*init)(int* rank, int* size, char* host, size_t host_size, char* error, size_t error_size);
  // Every rank's bytes to rank 0, whose `out` (one entry per rank, in rank order) gets them all;
  // the others get nothing. deadline_ms < 0: no deadline. A call that fails (any result but OK)
  // ends the transport: make no further call but abort().
  int (*gather)(const char* data, size_t size, int deadline_ms, iuprobe_mpi_cancelled cancelled,
                void* context, iuprobe_mpi_bytes* out, int* missing, char* error,
                size_t error_size);
  // Rank 0's bytes to every rank (`out`, one; rank 0 gets its own).
  int (*broadcast)(const char* data, size_t size, int deadline_ms, iuprobe_mpi_cancelled cancelled,
                   void* context, iuprobe_mpi_bytes* out, int* missing, char* error,
                   size_t error_size);
  void (*release)(iuprobe_mpi_bytes* bytes, size_t count);
  void (*finalize)(void);
  void (*abort)(int code);
} iuprobe_mpi_api;

// The plugin's one exported symbol.
const iuprobe_mpi_api* iuprobe_mpi_v1(void);

#ifdef __cplusplus
}
#endif
