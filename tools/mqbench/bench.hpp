#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "limits.hpp"
#include "mq/cli_forward.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"

namespace mq::bench {

/// What mqbench measures: its subcommands.
enum class Scenario { conn, pub, sub, pubsub, report };

/// Who receives what in pubsub.
enum class Pattern {
  pairs,    // publisher i → its own topic → subscriber i
  fan_in,   // every publisher → one subscriber
  fan_out,  // one publisher → every subscriber
};

/// How conn --churn closes a connection it reopens.
enum class ChurnClose {
  drop,        // closes the socket without DISCONNECT, as a network blip does: the broker publishes a will
  disconnect,  // sends DISCONNECT first: a client leaving cleanly, no will
};

/// How many clients, how they connect, and for how long the load lasts.
struct LoadOptions {
  int clients = 1;             // -c: publishers, subscribers or connections (see mqbench(1))
  int threads = 0;             // 0: one per core
  double conn_rate = 0;        // connections started per second; 0: as fast as possible
  bool clean = true;           // --clean/--no-clean
  std::optional<double> hold;  // conn: seconds; unset: until Ctrl-C
  double churn = 0;            // conn: connections closed and reopened per second while held; 0: none
  ChurnClose churn_close = ChurnClose::drop;
  std::optional<double> duration;      // pub, pubsub: 10 s unless --count; sub: until Ctrl-C
  std::optional<std::uint64_t> count;  // pub, pubsub: messages to send; sub: messages to receive
  double warmup = 0;
  double ramp = 0;
};

/// What the publishers send, and the subscription.
struct MessageOptions {
  std::optional<std::string> topic;  // pub/pubsub: topic template; sub: filter template
  int qos = 0;
  int size = 100;
  double rate = 0;  // per publisher; 0: as fast as possible
  std::optional<double> total_rate;
  bool retain = false;
  std::vector<std::string> user_properties;  // NAME=VALUE
  std::optional<std::uint32_t> message_expiry;
  Pattern pattern = Pattern::pairs;
};

/// Where the results go and what they must meet.
struct OutputOptions {
  std::optional<std::string> json;  // "-": stdout
  std::optional<double> fail_p99;
  std::optional<std::string> fail_loss;
  std::optional<double> fail_rate;
  std::optional<std::uint64_t> fail_errors;
  std::optional<std::string> csv;         // "-": stdout
  std::optional<std::string> html;        // "-": stdout
  std::vector<std::string> report_files;  // mqbench report FILE...

  /// The --fail-* limits; throws a usage Error when --fail-loss is malformed.
  Limits limits() const;
};

/// --find-max: search for the highest rate that meets the --fail-* limits.
struct SearchOptions {
  bool find_max = false;
  double step_duration = 10;  // seconds measured per step
  double precision = 5;  // percent: the search ends when the failing rate is this close above the passing one
};

/// --metrics-port and --metrics-bind: the live metrics endpoint.
struct MetricsOptions {
  std::optional<int> port;  // unset: no endpoint; 0: a free port
  std::string bind;         // a numeric address; empty: every address
};

/// A run made by several processes: --shard and the coordination through the broker (run
/// scenarios), and `report --collect` (its own fields: collect, shards, keep, timeout).
struct ShardOptions {
  std::optional<std::string> shard;       // "K/N" or "/N"; unset: MQBENCH_SHARDS or a run of one
  std::optional<std::string> run_id;      // unset: SCENARIO-TIME-HASH
  std::optional<std::string> run_prefix;  // unset: mqbench/_run/ID/
  bool barrier = false;                   // wait until every shard is connected
  std::optional<std::string> start_at;    // RFC 3339 or Unix seconds
  double barrier_timeout = 60;            // seconds a shard waits for the others
  bool publish_result = false;            // retained JSON result under the prefix
  bool collect = false;                   // report --collect
  std::optional<std::uint32_t> shards;    // report --collect --shards N
  bool keep = false;                      // report --collect: leave the results retained
  double timeout = 300;                   // report --collect: seconds to wait for every shard

  /// The topic prefix of the run named `id`, ending in '/'.
  std::string prefix(const std::string& id) const;
};

/// Every option of mqbench.
struct Options {
  Scenario scenario = Scenario::pubsub;
  ClientOptions client;
  LoadOptions load;
  MessageOptions message;
  OutputOptions output;
  SearchOptions search;
  MetricsOptions metrics;
  ShardOptions shards;
};

/// Registers the subcommands conn, pub, sub, pubsub and report with their options.
void add_options(CLI::App& app, Options& options);

/// Runs the scenario; returns Exit::ok, or throws (Exit::threshold when a --fail-* limit is not met).
/// Takes the options as run_command_line leaves them.
Exit run(const Options& options);

}  // namespace mq::bench
