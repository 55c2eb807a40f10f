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

/// The identity of the run `plan` describes. The one place that derives it: until --run-id and
/// --shard exist, the run is named by the plan's random tag and is shard 1/1.
RunIdentity run_identity(const Plan& plan);

}  // namespace mq::bench
