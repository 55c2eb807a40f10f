#include "live_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace mq::bench {
namespace {

constexpr double microseconds_per_second = 1e6;

// A label value with backslash, double quote and line feed escaped, as the format asks.
std::string escaped(std::string_view value) {
  std::string text;
  text.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      text += "\\\\";
    else if (c == '"')
      text += "\\\"";
    else if (c == '\n')
      text += "\\n";
    else
      text += c;
  }
  return text;
}

class Exposition {
public:
  explicit Exposition(const RunIdentity& identity)
      : labels_(fmt::format("run=\"{}\",shard=\"{}\"", escaped(identity.run_id), escaped(identity.shard))) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(text_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }

  void sample(std::string_view name, std::string_view extra_labels, auto value) {
    fmt::format_to(std::back_inserter(text_), "{}{{{}{}{}}} {}\n", name, labels_,
                   extra_labels.empty() ? "" : ",", extra_labels, value);
  }

  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, "", value);
  }

  void histogram(std::string_view name, std::string_view help, const Histogram& values) {
    family(name, "histogram", help);
    for (const PrometheusBucket& bucket : prometheus_buckets(values)) {
      const std::string le = std::isinf(bucket.le) ? std::string{"+Inf"} : fmt::format("{}", bucket.le);
      sample(fmt::format("{}_bucket", name), fmt::format("le=\"{}\"", le), bucket.count);
    }
    sample(fmt::format("{}_sum", name), "", values.sum() / microseconds_per_second);
    sample(fmt::format("{}_count", name), "", values.count());
  }

  std::string take() { return std::move(text_); }

private:
  std::string labels_;
  std::string text_;
};

std::vector<std::uint64_t> one_two_five_bounds() {
  std::vector<std::uint64_t> bounds;
  for (std::uint64_t decade = 100; decade <= 1'000'000'000; decade *= 10) {
    for (const std::uint64_t step : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{5}})
      bounds.push_back(decade * step);
  }
  bounds.resize(bounds.size() - 2);  // up to 1000 s
  return bounds;
}

}  // namespace

void MetricsState::add(const Interval& interval) {
  sent += interval.sent;
  acknowledged += interval.acked;
  received += interval.received;
  duplicated += interval.duplicated;
  missing += interval.missing_change;
  for (const auto& [cause, count] : interval.errors_by_cause)
    errors_by_cause[cause] += count;
  latency.merge(interval.latency);
  ack_latency.merge(interval.ack_latency);
  connect_latency.merge(interval.connect_latency);
}

const std::vector<std::uint64_t>& prometheus_bucket_bounds() {
  static const std::vector<std::uint64_t> bounds = one_two_five_bounds();
  return bounds;
}

std::vector<PrometheusBucket> prometheus_buckets(const Histogram& histogram) {
  const std::vector<std::uint64_t>& bounds = prometheus_bucket_bounds();
  const std::vector<std::uint64_t> counts = histogram.counts_at_or_below(bounds);
  std::vector<PrometheusBucket> buckets;
  for (std::size_t i = 0; i < bounds.size(); ++i)
    buckets.push_back({static_cast<double>(bounds[i]) / microseconds_per_second, counts[i]});
  buckets.push_back({std::numeric_limits<double>::infinity(), histogram.count()});
  return buckets;
}

std::string exposition_text(const MetricsState& state, const RunIdentity& identity) {
  Exposition out{identity};
  out.counter("mqbench_messages_sent_total", "Measured messages handed to the broker.", state.sent);
  out.counter("mqbench_messages_acknowledged_total",
              "Measured messages the broker acknowledged (QoS 1 and 2), or took (QoS 0).",
              state.acknowledged);
  out.counter("mqbench_messages_received_total", "Measured messages the subscribers received.",
              state.received);
  out.counter("mqbench_messages_duplicated_total", "Messages a subscriber received more than once.",
              state.duplicated);
  out.family("mqbench_messages_lost", "gauge",
             "Messages missing so far: below the highest number received from a publisher, not arrived.");
  out.sample("mqbench_messages_lost", "", std::max<std::int64_t>(state.missing, 0));
  out.family("mqbench_connections", "gauge",
             "Clients by state: pending (not yet ready nor failed), connected, failed.");
  out.sample("mqbench_connections", "state=\"pending\"", state.connections.pending);
  out.sample("mqbench_connections", "state=\"connected\"", state.connections.connected);
  out.sample("mqbench_connections", "state=\"failed\"", state.connections.failed);
  out.family("mqbench_errors_total", "counter",
             "Errors by cause: failed connects, lost connections, refusals.");
  for (const auto& [cause, count] : state.errors_by_cause)
    out.sample("mqbench_errors_total", fmt::format("cause=\"{}\"", escaped(cause)), count);
  out.histogram("mqbench_latency_seconds",
                "End-to-end latency: from a message's scheduled time to its receipt.", state.latency);
  out.histogram("mqbench_acknowledgement_latency_seconds",
                "From a message's scheduled time to the broker's acknowledgement.", state.ack_latency);
  out.histogram("mqbench_connect_latency_seconds",
                "From the start (or due time) of a connect to its CONNACK.", state.connect_latency);
  return out.take();
}

void LiveMetrics::add(const Interval& interval) {
  std::lock_guard lock{mutex_};
  state_.add(interval);
}

void LiveMetrics::set_connections(const ConnectionCounts& counts) {
  std::lock_guard lock{mutex_};
  state_.connections = counts;
}

std::string LiveMetrics::exposition() const {
  std::lock_guard lock{mutex_};
  return exposition_text(state_, identity_);
}

}  // namespace mq::bench
