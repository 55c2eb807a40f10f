#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "live_metrics.hpp"

using mq::bench::ExpositionFormat;
using mq::bench::Histogram;
using mq::bench::Interval;
using mq::bench::MetricsState;
using mq::bench::RunIdentity;

namespace {

const RunIdentity identity{"r1", "2/3"};

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(prefix)) found.push_back(line);
  return found;
}

// Whether exactly one line of `text` is `line`, up to its value or further.
bool one_line_starting(const std::string& text, const std::string& line) {
  return lines_starting(text, line).size() == 1;
}

}  // namespace

TEST_CASE("the Prometheus buckets run from 100 µs to 1000 s in steps of 1, 2 and 5, then +Inf") {
  const auto& bounds = mq::bench::prometheus_bucket_bounds();
  REQUIRE(bounds.size() == 22);
  CHECK(bounds.front() == 100);
  CHECK(bounds[1] == 200);
  CHECK(bounds[2] == 500);
  CHECK(bounds.back() == 1'000'000'000);
  const auto buckets = mq::bench::prometheus_buckets(Histogram{});
  CHECK(buckets.size() == 23);
  CHECK(std::isinf(buckets.back().le));
  CHECK(buckets.front().le == doctest::Approx(0.0001));
}

TEST_CASE("a bucket counts the values at or below its bound, exactly below 2048 µs") {
  Histogram histogram;
  for (const std::uint64_t value : {50U, 100U, 101U, 200U, 1999U, 2000U})
    histogram.record(value);
  const auto buckets = mq::bench::prometheus_buckets(histogram);
  CHECK(buckets[0].count == 2);  // le 100 µs: 50 and 100
  CHECK(buckets[1].count == 4);  // le 200 µs
  CHECK(buckets[2].count == 4);  // le 500 µs
  CHECK(buckets[3].count == 4);  // le 1 ms
  CHECK(buckets[4].count == 6);  // le 2 ms
  CHECK(buckets.back().count == 6);
}

TEST_CASE("above 2048 µs a value counts under the first bound at or above its HDR bucket, within 0.1%") {
  std::mt19937_64 random{7};
  std::uniform_real_distribution<double> exponent{0, 9.5};
  std::vector<std::uint64_t> values;
  Histogram histogram;
  for (int i = 0; i < 20000; ++i) {
    values.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(random))));
    histogram.record(values.back());
  }
  const auto buckets = mq::bench::prometheus_buckets(histogram);
  const auto& bounds = mq::bench::prometheus_bucket_bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const auto bound = static_cast<double>(bounds[i]);
    std::uint64_t surely_below = 0, at_most_just_above = 0;
    for (const std::uint64_t value : values) {
      if (static_cast<double>(value) <= bound / 1.001) ++surely_below;
      if (static_cast<double>(value) <= bound) ++at_most_just_above;
    }
    CHECK(buckets[i].count >= surely_below);
    CHECK(buckets[i].count <= at_most_just_above);
    if (i > 0) CHECK(buckets[i].count >= buckets[i - 1].count);
  }
  CHECK(buckets.back().count == values.size());
}

TEST_CASE("the state adds the workers' seconds: counts, causes, histograms, missing up and down") {
  MetricsState state;
  Interval first;
  first.sent = 10;
  first.acked = 9;
  first.received = 8;
  first.duplicated = 1;
  first.missing_change = 3;
  first.errors_by_cause["refused"] = 2;
  first.latency.record(1500);
  first.ack_latency.record(700);
  first.connect_latency.record(300);
  Interval second;
  second.sent = 5;
  second.missing_change = -2;
  second.errors_by_cause["refused"] = 1;
  second.errors_by_cause["lost"] = 1;
  second.latency.record(2500);
  state.add(first);
  state.add(second);
  CHECK(state.sent == 15);
  CHECK(state.acknowledged == 9);
  CHECK(state.received == 8);
  CHECK(state.duplicated == 1);
  CHECK(state.missing == 1);
  CHECK(state.errors_by_cause == std::map<std::string, std::uint64_t>{{"lost", 1}, {"refused", 3}});
  CHECK(state.latency.count() == 2);
  CHECK(state.ack_latency.count() == 1);
  CHECK(state.connect_latency.count() == 1);
}

TEST_CASE("the exposition names every family once, with HELP and TYPE, and labels every series") {
  MetricsState state;
  state.sent = 42;
  state.received = 40;
  state.missing = 2;
  state.connections = {1, 3, 2};
  state.latency.record(1500);
  state.latency.record(2'500'000);
  const std::string text = mq::bench::exposition_text(state, identity, ExpositionFormat::prometheus_text);
  CHECK(lines_starting(text, "mqbench_messages_sent_total{") ==
        std::vector<std::string>{"mqbench_messages_sent_total{run=\"r1\",shard=\"2/3\"} 42"});
  CHECK(lines_starting(text, "mqbench_messages_lost{") ==
        std::vector<std::string>{"mqbench_messages_lost{run=\"r1\",shard=\"2/3\"} 2"});
  CHECK(lines_starting(text, "mqbench_connections{") ==
        std::vector<std::string>{"mqbench_connections{run=\"r1\",shard=\"2/3\",state=\"pending\"} 1",
                                 "mqbench_connections{run=\"r1\",shard=\"2/3\",state=\"connected\"} 3",
                                 "mqbench_connections{run=\"r1\",shard=\"2/3\",state=\"failed\"} 2"});
  CHECK(lines_starting(text, "# TYPE mqbench_latency_seconds ") ==
        std::vector<std::string>{"# TYPE mqbench_latency_seconds histogram"});
  CHECK(lines_starting(text, "mqbench_latency_seconds_bucket{").size() == 23);
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"0.002\"} 1"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"+Inf\"} 2"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_sum{run=\"r1\",shard=\"2/3\"} 2.5015"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_count{run=\"r1\",shard=\"2/3\"} 2"));
  for (const char* family :
       {"mqbench_messages_sent_total", "mqbench_messages_acknowledged_total",
        "mqbench_messages_received_total", "mqbench_messages_duplicated_total", "mqbench_messages_lost",
        "mqbench_connections", "mqbench_errors_total", "mqbench_latency_seconds",
        "mqbench_acknowledgement_latency_seconds", "mqbench_connect_latency_seconds"}) {
    CAPTURE(family);
    CHECK(one_line_starting(text, std::string{"# HELP "} + family + " "));
    CHECK(one_line_starting(text, std::string{"# TYPE "} + family + " "));
  }
}

TEST_CASE("label values escape backslash, double quote and line feed, in both formats") {
  MetricsState state;
  state.errors_by_cause["the broker said \"no\"\nat C:\\"] = 1;
  for (const auto format : {ExpositionFormat::prometheus_text, ExpositionFormat::openmetrics_text}) {
    const std::string text = mq::bench::exposition_text(state, RunIdentity{"a\"b", "1/1"}, format);
    CHECK(
        lines_starting(text, "mqbench_errors_total{") ==
        std::vector<std::string>{"mqbench_errors_total{run=\"a\\\"b\",shard=\"1/1\",cause=\"the broker said "
                                 "\\\"no\\\"\\nat C:\\\\\"} 1"});
  }
}

TEST_CASE("a negative count of missing messages (late arrivals first) shows as none") {
  MetricsState state;
  state.missing = -1;
  CHECK(lines_starting(mq::bench::exposition_text(state, identity, ExpositionFormat::prometheus_text),
                       "mqbench_messages_lost{") ==
        std::vector<std::string>{"mqbench_messages_lost{run=\"r1\",shard=\"2/3\"} 0"});
}

TEST_CASE(
    "Prometheus's Accept header negotiates OpenMetrics, and a client preferring text/plain gets text/plain") {
  using mq::bench::negotiated_format;
  const char* prometheus_2_42 =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  CHECK(negotiated_format(prometheus_2_42) == ExpositionFormat::openmetrics_text);
  CHECK(negotiated_format("application/openmetrics-text") == ExpositionFormat::openmetrics_text);
  CHECK(negotiated_format("application/*") == ExpositionFormat::openmetrics_text);
  CHECK(negotiated_format("text/plain;q=0, */*;q=0.1") == ExpositionFormat::openmetrics_text);
  for (const char* accept :
       {"", "*/*", "text/plain", "application/openmetrics-text;q=0.4,text/plain;q=0.5",
        "text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.2",
        "application/openmetrics-text;version=0.0.1", "application/openmetrics-text;q=0, */*",
        "application/json"}) {
    CAPTURE(accept);
    CHECK(negotiated_format(accept) == ExpositionFormat::prometheus_text);
  }
  CHECK(mq::bench::content_type(ExpositionFormat::openmetrics_text) ==
        "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(mq::bench::content_type(ExpositionFormat::prometheus_text) ==
        "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("the families are one list: each name once, a counter's without _total, the latencies in seconds") {
  MetricsState state;
  state.errors_by_cause["refused"] = 2;
  const auto families = mq::bench::metric_families(state, identity);
  std::vector<std::string> names;
  for (const auto& family : families)
    names.push_back(family.name);
  CHECK(names == std::vector<std::string>{
                     "mqbench_messages_sent", "mqbench_messages_acknowledged", "mqbench_messages_received",
                     "mqbench_messages_duplicated", "mqbench_messages_lost", "mqbench_connections",
                     "mqbench_errors", "mqbench_latency_seconds", "mqbench_acknowledgement_latency_seconds",
                     "mqbench_connect_latency_seconds"});
  CHECK(families[6].points.size() == 1);
  CHECK(families[7].unit == "seconds");
  CHECK(families[0].unit.empty());
}

TEST_CASE("the OpenMetrics exposition names a counter's family without _total and its samples with it") {
  MetricsState state;
  state.sent = 42;
  state.errors_by_cause["refused"] = 3;
  const std::string text = mq::bench::exposition_text(state, identity, ExpositionFormat::openmetrics_text);
  CHECK(lines_starting(text, "# TYPE mqbench_messages_sent") ==
        std::vector<std::string>{"# TYPE mqbench_messages_sent counter"});
  CHECK(one_line_starting(text, "# HELP mqbench_messages_sent "));
  CHECK(lines_starting(text, "mqbench_messages_sent") ==
        std::vector<std::string>{"mqbench_messages_sent_total{run=\"r1\",shard=\"2/3\"} 42"});
  CHECK(lines_starting(text, "# TYPE mqbench_errors") ==
        std::vector<std::string>{"# TYPE mqbench_errors counter"});
  CHECK(lines_starting(text, "mqbench_errors") ==
        std::vector<std::string>{"mqbench_errors_total{run=\"r1\",shard=\"2/3\",cause=\"refused\"} 3"});
  CHECK(lines_starting(text, "# TYPE mqbench_messages_lost ") ==
        std::vector<std::string>{"# TYPE mqbench_messages_lost gauge"});
  CHECK(lines_starting(text, "mqbench_messages_lost{") ==
        std::vector<std::string>{"mqbench_messages_lost{run=\"r1\",shard=\"2/3\"} 0"});
}

TEST_CASE(
    "the OpenMetrics exposition gives each family one TYPE, a unit to the latencies, and ends with # EOF") {
  MetricsState state;
  state.latency.record(1500);
  state.latency.record(2'500'000);
  const std::string text = mq::bench::exposition_text(state, identity, ExpositionFormat::openmetrics_text);
  REQUIRE(text.ends_with("\n# EOF\n"));
  CHECK(one_line_starting(text, "# EOF"));
  CHECK(lines_starting(text, "# TYPE ").size() == 10);
  CHECK(lines_starting(text, "# HELP ").size() == 10);
  CHECK(lines_starting(text, "# UNIT ") ==
        std::vector<std::string>{"# UNIT mqbench_latency_seconds seconds",
                                 "# UNIT mqbench_acknowledgement_latency_seconds seconds",
                                 "# UNIT mqbench_connect_latency_seconds seconds"});
  CHECK(lines_starting(text, "mqbench_latency_seconds_bucket{").size() == 23);
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"0.002\"} 1"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"1.0\"} 1"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"1000.0\"} 2"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"+Inf\"} 2"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_count{run=\"r1\",shard=\"2/3\"} 2"));
  CHECK(one_line_starting(text, "mqbench_latency_seconds_sum{run=\"r1\",shard=\"2/3\"} 2.5015"));
  CHECK(lines_starting(text, "mqbench_latency_seconds_created").empty());
}

TEST_CASE("the Prometheus text names a counter's family with _total, has no units and no # EOF") {
  MetricsState state;
  state.latency.record(900'000);
  const std::string text = mq::bench::exposition_text(state, identity, ExpositionFormat::prometheus_text);
  CHECK(lines_starting(text, "# TYPE mqbench_messages_sent") ==
        std::vector<std::string>{"# TYPE mqbench_messages_sent_total counter"});
  CHECK(lines_starting(text, "# UNIT").empty());
  CHECK(lines_starting(text, "# EOF").empty());
  CHECK(one_line_starting(text, "mqbench_latency_seconds_bucket{run=\"r1\",shard=\"2/3\",le=\"1\"} 1"));
}

TEST_CASE("HELP escapes backslash and line feed, and in OpenMetrics double quotes too") {
  using mq::bench::MetricFamily;
  using mq::bench::MetricType;
  const std::vector<MetricFamily> families{{"x", MetricType::gauge, "", "say \"hi\"\nat C:\\", {}}};
  CHECK(mq::bench::prometheus_text(families) == "# HELP x say \"hi\"\\nat C:\\\\\n# TYPE x gauge\n");
  CHECK(mq::bench::openmetrics_text(families) ==
        "# HELP x say \\\"hi\\\"\\nat C:\\\\\n# TYPE x gauge\n# EOF\n");
}
