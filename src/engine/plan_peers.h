// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "core/units.h"

namespace iuprobe {

// The processes that send each plan together (MPI ranks, each with its ScheduleShare), as one
// of them sees them: a transport of messages, nothing more (mpi/ moves them with MPI, the tests
// between threads). Rank 0 is the coordinator. Every rank makes the same calls in the same order
// (at the end of each window and of each plan), so every call is a collective.
class PlanPeers {
 public:
  virtual ~PlanPeers() = default;
  virtual unsigned rank() const = 0;
  virtual unsigned size() const = 0;
  // The host this rank runs on, as the transport names it.
  virtual std::string host() const = 0;
  // Rank 0 gets every rank's message, in rank order (its own first); the others an empty list.
  // Fails, naming the rank, when one does not take part within the transport's deadline (it
  // died, or its host stalls); a failed transport fails every later call.
  virtual Result<std::vector<std::string>> gather(std::string mine) = 0;
  // Every rank gets rank 0's message (what the others pass is ignored).
  virtual Result<std::string> broadcast(std::string from_rank0) = 0;
  // The same collective as broadcast(), on a rank other than 0 waiting for rank 0's next plan,
  // which may come minutes later (after a model has started): no deadline, but it gives up
  // when `stop` asks (the launcher's SIGTERM).
  virtual Result<std::string> await_broadcast(StopToken stop) = 0;
  // Ends the transport for this rank (a message it could not read: its calls may no longer
  // pair with the other ranks'): every later call fails with `why`.
  virtual void abandon(Error why) = 0;
  // Later collectives wait this much longer than the transport's deadline (0: the usual): the
  // ranks reach them after slow work of their own, such as opening a connection.
  virtual void wait_longer(Duration /*extra*/) {}
};

}  // namespace iuprobe
