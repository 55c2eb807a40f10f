#pragma once

#include <string>

#include "plan.hpp"

namespace mq::bench {

/// What names this process's part of a run where several processes (shards) make one: the
/// labels of its live metrics.
struct RunIdentity {
  std::string run_id;
  std::string shard;  // "K/N"
};

/// The identity of the run `plan` describes: its --run-id (or the default) and --shard.
inline RunIdentity run_identity(const Plan& plan) { return RunIdentity{plan.run_id, plan.shard.text()}; }

}  // namespace mq::bench
