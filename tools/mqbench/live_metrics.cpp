#include "live_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>

#include "http_request.hpp"

namespace mq::bench {
namespace {

constexpr double microseconds_per_second = 1e6;

struct FormatDescription {
  OfferedType offered;
  std::string_view content_type;
};

// By ExpositionFormat: the default first.
constexpr std::array<FormatDescription, 2> formats{{
    {{"text/plain", "0.0.4"}, "text/plain; version=0.0.4; charset=utf-8"},
    {{"application/openmetrics-text", "1.0.0"}, "application/openmetrics-text; version=1.0.0; charset=utf-8"},
}};

// `text` with each of `specials` escaped by a backslash, a line feed as "\n". Both formats escape
// label values so; a HELP text escapes its double quotes in OpenMetrics only.
std::string escaped(std::string_view text, std::string_view specials = "\\\"\n") {
  std::string result;
  result.reserve(text.size());
  for (const char c : text) {
    if (specials.find(c) != std::string_view::npos) {
      result += '\\';
      result += c == '\n' ? 'n' : c;
    } else {
      result += c;
    }
  }
  return result;
}

// "{run="r1",shard="1/1"}", and `le` last when given.
std::string label_set(const std::vector<Label>& labels, std::string_view le = {}) {
  std::string text = "{";
  for (const Label& label : labels)
    fmt::format_to(std::back_inserter(text), "{}{}=\"{}\"", text.size() > 1 ? "," : "", label.name,
                   escaped(label.value));
  if (!le.empty()) fmt::format_to(std::back_inserter(text), "{}le=\"{}\"", text.size() > 1 ? "," : "", le);
  return text + "}";
}

std::string_view type_name(MetricType type) {
  switch (type) {
  case MetricType::counter:
    return "counter";
  case MetricType::gauge:
    return "gauge";
  case MetricType::histogram:
    return "histogram";
  }
  return "unknown";
}

// A bucket's bound as Prometheus clients write it: "0.002", "1", "+Inf".
std::string prometheus_bound(double le) { return std::isinf(le) ? "+Inf" : fmt::format("{}", le); }

// A bucket's bound as an OpenMetrics canonical number: a whole number ends in ".0".
std::string openmetrics_bound(double le) {
  std::string text = prometheus_bound(le);
  if (std::isfinite(le) && text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// The samples of `family`; `sample_name` for a counter's or gauge's, the family's name with
// _bucket, _sum and _count for a histogram's.
void write_samples(std::string& text, const MetricFamily& family, std::string_view sample_name,
                   std::string (*bound)(double)) {
  auto out = std::back_inserter(text);
  for (const MetricPoint& point : family.points) {
    if (family.type != MetricType::histogram) {
      fmt::format_to(out, "{}{} {}\n", sample_name, label_set(point.labels), point.value);
      continue;
    }
    for (const PrometheusBucket& bucket : point.buckets)
      fmt::format_to(out, "{}_bucket{} {}\n", family.name, label_set(point.labels, bound(bucket.le)),
                     bucket.count);
    fmt::format_to(out, "{}_sum{} {}\n", family.name, label_set(point.labels), point.sum);
    fmt::format_to(out, "{}_count{} {}\n", family.name, label_set(point.labels), point.buckets.back().count);
  }
}

// The name of a counter's or gauge's samples: a counter's ends in _total.
std::string value_sample_name(const MetricFamily& family) {
  return family.type == MetricType::counter ? family.name + "_total" : family.name;
}

std::vector<Label> with_label(std::vector<Label> labels, std::string name, std::string value) {
  labels.push_back({std::move(name), std::move(value)});
  return labels;
}

MetricPoint value_point(std::vector<Label> labels, std::uint64_t value) {
  return {std::move(labels), value, {}, 0};
}

MetricFamily counter(std::string name, std::string help, std::vector<MetricPoint> points) {
  return {std::move(name), MetricType::counter, {}, std::move(help), std::move(points)};
}

MetricFamily gauge(std::string name, std::string help, std::vector<MetricPoint> points) {
  return {std::move(name), MetricType::gauge, {}, std::move(help), std::move(points)};
}

// A histogram in seconds of the `microseconds` recorded.
MetricFamily latency_histogram(std::string name, std::string help, std::vector<Label> labels,
                               const Histogram& microseconds) {
  MetricPoint point{std::move(labels), 0, prometheus_buckets(microseconds),
                    microseconds.sum() / microseconds_per_second};
  return {std::move(name), MetricType::histogram, "seconds", std::move(help), {std::move(point)}};
}

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

std::string_view content_type(ExpositionFormat format) {
  return formats.at(static_cast<std::size_t>(format)).content_type;
}

ExpositionFormat negotiated_format(std::string_view accept) {
  std::array<OfferedType, formats.size()> offered;
  std::transform(formats.begin(), formats.end(), offered.begin(),
                 [](const FormatDescription& format) { return format.offered; });
  return static_cast<ExpositionFormat>(preferred_type(accept, offered));
}

std::vector<MetricFamily> metric_families(const MetricsState& state, const RunIdentity& identity) {
  const std::vector<Label> run{{"run", identity.run_id}, {"shard", identity.shard}};
  std::vector<MetricPoint> errors;
  for (const auto& [cause, count] : state.errors_by_cause)
    errors.push_back(value_point(with_label(run, "cause", cause), count));
  return {
      counter("mqbench_messages_sent", "Measured messages handed to the broker.",
              {value_point(run, state.sent)}),
      counter("mqbench_messages_acknowledged",
              "Measured messages the broker acknowledged (QoS 1 and 2), or took (QoS 0).",
              {value_point(run, state.acknowledged)}),
      counter("mqbench_messages_received", "Measured messages the subscribers received.",
              {value_point(run, state.received)}),
      counter("mqbench_messages_duplicated", "Messages a subscriber received more than once.",
              {value_point(run, state.duplicated)}),
      gauge("mqbench_messages_lost",
            "Messages missing so far: below the highest number received from a publisher, not arrived.",
            {value_point(run, static_cast<std::uint64_t>(std::max<std::int64_t>(state.missing, 0)))}),
      gauge("mqbench_connections", "Clients by state: pending (not yet ready nor failed), connected, failed.",
            {value_point(with_label(run, "state", "pending"), state.connections.pending),
             value_point(with_label(run, "state", "connected"), state.connections.connected),
             value_point(with_label(run, "state", "failed"), state.connections.failed)}),
      counter("mqbench_errors", "Errors by cause: failed connects, lost connections, refusals.",
              std::move(errors)),
      latency_histogram("mqbench_latency_seconds",
                        "End-to-end latency: from a message's scheduled time to its receipt.", run,
                        state.latency),
      latency_histogram("mqbench_acknowledgement_latency_seconds",
                        "From a message's scheduled time to the broker's acknowledgement.", run,
                        state.ack_latency),
      latency_histogram("mqbench_connect_latency_seconds",
                        "From the start (or due time) of a connect to its CONNACK.", run,
                        state.connect_latency),
  };
}

std::string prometheus_text(const std::vector<MetricFamily>& families) {
  std::string text;
  for (const MetricFamily& family : families) {
    const std::string name = value_sample_name(family);
    fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", name,
                   escaped(family.help, "\\\n"), name, type_name(family.type));
    write_samples(text, family, name, prometheus_bound);
  }
  return text;
}

std::string openmetrics_text(const std::vector<MetricFamily>& families) {
  std::string text;
  for (const MetricFamily& family : families) {
    fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", family.name,
                   escaped(family.help), family.name, type_name(family.type));
    if (!family.unit.empty())
      fmt::format_to(std::back_inserter(text), "# UNIT {} {}\n", family.name, family.unit);
    write_samples(text, family, value_sample_name(family), openmetrics_bound);
  }
  return text + "# EOF\n";
}

std::string exposition_text(const MetricsState& state, const RunIdentity& identity, ExpositionFormat format) {
  const std::vector<MetricFamily> families = metric_families(state, identity);
  return format == ExpositionFormat::openmetrics_text ? openmetrics_text(families)
                                                      : prometheus_text(families);
}

void LiveMetrics::add(const Interval& interval) {
  std::lock_guard lock{mutex_};
  state_.add(interval);
}

void LiveMetrics::set_connections(const ConnectionCounts& counts) {
  std::lock_guard lock{mutex_};
  state_.connections = counts;
}

std::string LiveMetrics::exposition(ExpositionFormat format) const {
  std::lock_guard lock{mutex_};
  return exposition_text(state_, identity_, format);
}

}  // namespace mq::bench
