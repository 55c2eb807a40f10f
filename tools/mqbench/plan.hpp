#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench.hpp"
#include "mq/properties.hpp"
#include "shard.hpp"

namespace mq::bench {

enum class Role : std::uint8_t { idle, publisher, subscriber };

/// One client of the run.
struct ClientPlan {
  Role role = Role::idle;
  std::uint32_t number = 0;  // among its role in this process: publisher 3, subscriber 3, connection 3
  std::uint32_t global = 0;  // among its role in the whole run: its number in a run of one process
  std::uint32_t shape = 0;   // which of Plan::shapes it connects with
  std::string client_id;
  std::string topic;  // a publisher's topic, a subscriber's filter
};

/// A run with everything resolved and checked: each client, how it connects, the load.
struct Plan {
  Scenario scenario = Scenario::pubsub;
  Pattern pattern = Pattern::pairs;
  std::vector<ClientOptions> shapes;  // one per host and bind address, the rest as given
  std::vector<ClientPlan> clients;    // in connect order: subscribers before publishers
  std::uint32_t publishers = 0;       // in this process
  std::uint32_t subscribers = 0;
  std::string run_id;                // --run-id, or SCENARIO-TIME-HASH
  Shard shard;                       // 1/1 unless --shard
  std::uint32_t all_publishers = 0;  // in the whole run, every shard's
  std::uint32_t all_subscribers = 0;
  std::size_t all_connections = 0;
  std::uint32_t first_publisher = 0;  // the global number of this process's publisher 0
  int threads = 1;
  double conn_rate = 0;
  double connect_timeout = 10;
  int qos = 0;
  std::size_t size = 100;
  double rate = 0;  // per publisher; 0: as fast as possible
  bool retain = false;
  Properties publish_properties;
  std::size_t publish_property_bytes = 0;  // their encoded length in a PUBLISH
  std::optional<double> hold;
  double churn = 0;  // conn: reconnects per second in all while holding; 0: none
  ChurnClose churn_close = ChurnClose::drop;
  std::optional<double> duration;
  std::optional<std::uint64_t> count;  // pub, pubsub: of the whole run; sub: this shard's share
  double warmup = 0;
  double ramp = 0;
  // Random, so that receivers tell this run's publishers from others; the same in every shard
  // (from the run id), so that a subscriber knows the publishers of the other shards.
  std::uint32_t run_tag = 0;

  /// Messages publisher `global` (its number in the whole run) sends after the warm-up with
  /// --count; nothing: no limit.
  std::optional<std::uint64_t> quota(std::uint32_t global) const;
  /// The publishers (global numbers) whose messages subscriber `global` should receive (pubsub).
  std::vector<std::uint32_t> sources_of(std::uint32_t global) const;
  /// The stamp's publisher id of publisher `global`.
  std::uint64_t publisher_id(std::uint32_t global) const { return std::uint64_t{run_tag} << 32 | global; }
  /// Whether a subscriber of this shard may expect messages from another shard's publishers
  /// (fan-in and fan-out split over shards).
  bool crosses_shards() const {
    return shard.sharded() && scenario == Scenario::pubsub && pattern != Pattern::pairs;
  }

  /// One line saying who sends what to whom, for the summary.
  std::string description() const;
  /// The settings recorded in the JSON result.
  nlohmann::json settings() const;
};

/// MQTT's limit on a packet's remaining length (the packet without its fixed header).
constexpr std::size_t mqtt_maximum_remaining_length = 268'435'455;

/// Throws a usage Error naming the limit when a PUBLISH of the planned size to the longest
/// topic would exceed what MQTT allows with `protocol`, or the broker's maximum packet size
/// (a whole packet, as its MQTT v5 CONNACK states it) at `broker`.
void check_payload_size(const Plan& plan, ProtocolVersion protocol,
                        std::optional<std::uint32_t> broker_maximum_packet = std::nullopt,
                        const std::string& broker = {});

/// Builds the plan of `shard` from the options, checking what the command line parser cannot
/// (templates, topics, v5-only properties). At most `max_connections` clients are planned; -c is
/// reduced, with a warning, when it asks for more (a shard refuses instead: the shards would no
/// longer make one run). Throws a usage Error naming the option at fault.
Plan make_plan(const Options& options, std::size_t max_connections, Shard shard = {});

/// Expands %i (the number), %c (the client id) and %% in a template; throws a usage Error
/// naming `option` for any other % sequence.
std::string expand_template(const std::string& text, std::uint64_t number, const std::string& client_id,
                            const char* option);

/// The filter that matches every topic a topic template expands to: each level holding %i or
/// %c becomes '+'.
std::string filter_for_template(const std::string& topic_template);

}  // namespace mq::bench
