#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mq/client_options.hpp"
#include "results.hpp"
#include "shard.hpp"

// The shards of a run meet through the broker under test, on topics under the run's prefix
// (mqbench/_run/ID/ by default):
//   PREFIXready/K   retained, QoS 1: shard K of N has connected its clients ({"shard": "K/N"});
//                   cleared by the shard at its end
//   PREFIXresult/K  retained, QoS 1: shard K's JSON result (--publish-result); cleared by
//                   `mqbench report --collect` unless --keep
namespace mq::bench {

/// The coordination topics of one run.
struct RunTopics {
  std::string prefix;  // ends in '/'

  std::string ready(std::uint32_t shard) const { return prefix + "ready/" + std::to_string(shard); }
  std::string result(std::uint32_t shard) const { return prefix + "result/" + std::to_string(shard); }
  std::string all_ready() const { return prefix + "ready/+"; }
  std::string all_results() const { return prefix + "result/+"; }
};

/// The topics under `prefix`; throws a usage Error naming --run-prefix when they are not topics
/// a client may publish to.
RunTopics run_topics(const std::string& prefix);

/// The client id of this process's coordination connection: its own, never one of the load's.
std::string coordination_client_id(const std::string& run_id, const char* role, std::uint32_t shard);

/// The connection options of a coordination connection: clean, and the client id `id` unless
/// -i or -I name one.
ClientOptions coordination_connection(ClientOptions connection, const std::string& id);

/// Announces `shard` ready and waits until all its shards are, within `timeout` seconds: false
/// when a stop signal came first. Throws an Error (Exit::network) naming the shards that did
/// not arrive, or a usage Error when a shard announces another number of shards.
bool wait_for_shards(ClientOptions connection, const RunTopics& topics, Shard shard,
                     std::chrono::duration<double> timeout);

/// Waits until the wall clock reaches `time` (false: a stop signal came first); warns when it
/// has passed already.
bool wait_until(std::chrono::system_clock::time_point time);

/// The end of a shard's run: clears its ready announcement (with `barrier`) and publishes its
/// result (when `result` is given), each retained at QoS 1, acknowledged by the broker.
void end_shard(ClientOptions connection, const RunTopics& topics, Shard shard, bool barrier,
               const std::optional<std::string>& result);

/// `mqbench report --collect`: the results of shards 1 to `shards` of run `run_id`, in order of
/// their shard, within `timeout` seconds. Throws an Error (Exit::timeout) naming the shards
/// whose results did not arrive, a usage Error for a result that is not one of this run's, and
/// Exit::interrupted's error on a stop signal.
std::vector<Results> collect_results(ClientOptions connection, const RunTopics& topics,
                                     const std::string& run_id, std::uint32_t shards,
                                     std::chrono::duration<double> timeout);

/// Clears the retained results (and any ready announcement left) of shards 1 to `shards`.
void clear_run(ClientOptions connection, const RunTopics& topics, const std::string& run_id,
               std::uint32_t shards);

}  // namespace mq::bench
