#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "accounting.hpp"
#include "histogram.hpp"
#include "run_identity.hpp"

// What --metrics-port serves while a run lasts: the sums of the seconds the workers hand to the
// main thread, and the connections now, as Prometheus or OpenMetrics text labelled with the run
// and shard.
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

/// The formats of an exposition: Prometheus text 0.0.4 (the default) and OpenMetrics text 1.0.0.
enum class ExpositionFormat { prometheus_text, openmetrics_text };

/// The Content-Type of an exposition in `format`.
std::string_view content_type(ExpositionFormat format);

/// The format a scrape's Accept header value asks for (mq::bench::preferred_type): OpenMetrics
/// when it prefers application/openmetrics-text (version 1.0.0, or none named) to text/plain
/// (version 0.0.4, or none named); otherwise, and without the header, Prometheus text.
ExpositionFormat negotiated_format(std::string_view accept);

enum class MetricType { counter, gauge, histogram };

struct Label {
  std::string name, value;
};

/// One series of a family: its labels and its value.
struct MetricPoint {
  std::vector<Label> labels;
  std::uint64_t value = 0;                // a counter's or a gauge's
  std::vector<PrometheusBucket> buckets;  // a histogram's, cumulative, +Inf last (its count)
  double sum = 0;                         // a histogram's, in its unit
};

/// A metric family as OpenMetrics models it: a counter's name is without "_total", which the
/// names of its samples add.
struct MetricFamily {
  std::string name;
  MetricType type = MetricType::gauge;
  std::string unit;  // empty: none; else the last word of the name
  std::string help;
  std::vector<MetricPoint> points;
};

/// What `state` shows, as the one list of families both formats write, every point labelled
/// with `identity`'s run and shard first.
std::vector<MetricFamily> metric_families(const MetricsState& state, const RunIdentity& identity);

/// `families` in the Prometheus text exposition format 0.0.4: a counter's family takes the
/// "_total" of its samples' name, units are left out.
std::string prometheus_text(const std::vector<MetricFamily>& families);

/// `families` in the OpenMetrics 1.0.0 text format: HELP, TYPE and UNIT name the family, a
/// counter's samples add "_total", "le" values are canonical ("1.0"), and "# EOF" ends it.
std::string openmetrics_text(const std::vector<MetricFamily>& families);

/// `state`'s families in `format`.
std::string exposition_text(const MetricsState& state, const RunIdentity& identity, ExpositionFormat format);

/// The metrics of a run: the main thread adds to them, the endpoint's thread reads them.
class LiveMetrics {
public:
  explicit LiveMetrics(RunIdentity identity) : identity_(std::move(identity)) {}

  const RunIdentity& identity() const { return identity_; }
  void add(const Interval& interval);
  void set_connections(const ConnectionCounts& counts);
  /// The exposition of the metrics now, in `format`.
  std::string exposition(ExpositionFormat format) const;

private:
  const RunIdentity identity_;
  mutable std::mutex mutex_;
  MetricsState state_;
};

}  // namespace mq::bench
