#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "accounting.hpp"
#include "histogram.hpp"
#include "run_identity.hpp"

// What --metrics-port serves while a run lasts: the sums of the seconds the workers hand to the
// main thread, and the connections now, as Prometheus metrics labelled with the run and shard.
namespace mq::bench {

/// The clients by state, as the main thread sees them now.
struct ConnectionCounts {
  std::uint64_t pending = 0;    // neither ready (connected, and subscribed) nor failed yet
  std::uint64_t connected = 0;  // connected now
  std::uint64_t failed = 0;     // failed to connect, or lost their connection
};

/// What the live metrics show.
struct MetricsState {
  std::uint64_t sent = 0, acknowledged = 0, received = 0, duplicated = 0;
  std::int64_t missing = 0;  // below the highest number received from a publisher, not arrived
  std::map<std::string, std::uint64_t> errors_by_cause;
  Histogram latency, ack_latency, connect_latency;  // µs
  ConnectionCounts connections;

  /// Adds one worker's second.
  void add(const Interval& interval);
};

/// A bucket of a Prometheus histogram: how many values are at or below `le` seconds.
struct PrometheusBucket {
  double le = 0;  // seconds; infinity for the last bucket
  std::uint64_t count = 0;
};

/// The upper bounds of the Prometheus buckets, in µs: 100 µs to 1000 s in steps of 1, 2, 5.
const std::vector<std::uint64_t>& prometheus_bucket_bounds();

/// The Prometheus buckets of `histogram` (µs), cumulative, +Inf last; a value counts in the
/// first bucket at or above the highest value of its HDR bucket (exact below 2048 µs, within a
/// thousandth of the value above).
std::vector<PrometheusBucket> prometheus_buckets(const Histogram& histogram);

/// `state` in the Prometheus text exposition format (0.0.4), every series labelled with
/// `identity`'s run and shard.
std::string exposition_text(const MetricsState& state, const RunIdentity& identity);

/// The metrics of a run: the main thread adds to them, the endpoint's thread reads them.
class LiveMetrics {
public:
  explicit LiveMetrics(RunIdentity identity) : identity_(std::move(identity)) {}

  const RunIdentity& identity() const { return identity_; }
  void add(const Interval& interval);
  void set_connections(const ConnectionCounts& counts);
  /// The exposition text of the metrics now.
  std::string exposition() const;

private:
  const RunIdentity identity_;
  mutable std::mutex mutex_;
  MetricsState state_;
};

}  // namespace mq::bench
