#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "histogram.hpp"

using mq::bench::Histogram;

namespace {

// The exact value at `percentile` of sorted values: the one of rank ceil(p/100 * n).
std::uint64_t reference_percentile(const std::vector<std::uint64_t>& sorted, double percentile) {
  const auto rank =
      static_cast<std::size_t>(std::ceil(percentile / 100 * static_cast<double>(sorted.size()) - 1e-9));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// Latencies spread over six decades, as a broker under load gives.
std::vector<std::uint64_t> log_uniform_values(std::size_t count, unsigned seed) {
  std::mt19937_64 random{seed};
  std::uniform_real_distribution<double> exponent{0, 9.5};
  std::vector<std::uint64_t> values;
  for (std::size_t i = 0; i < count; ++i)
    values.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(random))));
  return values;
}

}  // namespace

TEST_CASE("percentiles agree with a sorted reference to 3 significant digits, never below it") {
  std::vector<std::uint64_t> values = log_uniform_values(100'000, 7);
  Histogram histogram;
  for (const auto value : values)
    histogram.record(value);
  std::sort(values.begin(), values.end());
  for (const double percentile : {0.0, 1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    CAPTURE(percentile);
    const auto exact = std::min(reference_percentile(values, percentile), Histogram::highest);
    const auto estimate = histogram.percentile(percentile);
    CHECK(estimate >= exact);
    CHECK(estimate - exact <= exact / 1000);
  }
  CHECK(histogram.count() == values.size());
  CHECK(histogram.min() == values.front());
  CHECK(histogram.max() == std::min(values.back(), Histogram::highest));
}

TEST_CASE("values below 2048 µs are kept exactly") {
  Histogram histogram;
  for (std::uint64_t value = 0; value < 2048; ++value)
    histogram.record(value);
  CHECK(histogram.percentile(50) == 1023);
  CHECK(histogram.percentile(100) == 2047);
  CHECK(histogram.snapshot().buckets.size() == 2048);
}

TEST_CASE("99.9 % of 1000 values is the 999th, not rounded up to the maximum") {
  Histogram histogram;
  for (std::uint64_t value = 1; value <= 1000; ++value)
    histogram.record(value);
  CHECK(histogram.percentile(99.9) == 999);
  CHECK(histogram.percentile(50) == 500);
  CHECK(histogram.mean() == doctest::Approx(500.5));
}

TEST_CASE("values above an hour are recorded as an hour") {
  Histogram histogram;
  histogram.record(Histogram::highest * 5);
  CHECK(histogram.max() == Histogram::highest);
  CHECK(histogram.percentile(100) == Histogram::highest);
}

TEST_CASE("merging is exact: the same as recording everything into one histogram") {
  const auto first = log_uniform_values(20'000, 1);
  const auto second = log_uniform_values(30'000, 2);
  Histogram a, b, all;
  for (const auto value : first) {
    a.record(value);
    all.record(value);
  }
  for (const auto value : second) {
    b.record(value);
    all.record(value);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.snapshot().buckets == all.snapshot().buckets);
  for (const double percentile : {50.0, 99.0, 99.9})
    CHECK(a.percentile(percentile) == all.percentile(percentile));
}

TEST_CASE("a snapshot rebuilds the same histogram, and an inconsistent one is refused") {
  Histogram histogram;
  for (const auto value : log_uniform_values(5'000, 3))
    histogram.record(value);
  const Histogram::Snapshot snapshot = histogram.snapshot();
  const Histogram rebuilt = Histogram::from_snapshot(snapshot);
  CHECK(rebuilt.snapshot().buckets == snapshot.buckets);
  CHECK(rebuilt.min() == histogram.min());
  CHECK(rebuilt.max() == histogram.max());
  CHECK(rebuilt.percentile(99) == histogram.percentile(99));
  CHECK(rebuilt.mean() == doctest::Approx(histogram.mean()));

  Histogram::Snapshot wrong = snapshot;
  wrong.max = 1;
  CHECK_THROWS_AS(Histogram::from_snapshot(wrong), std::invalid_argument);
}

TEST_CASE("reset empties the histogram for the next second") {
  Histogram histogram;
  histogram.record(5);
  histogram.record(5'000'000);
  histogram.reset();
  CHECK(histogram.empty());
  CHECK(histogram.percentile(99) == 0);
  CHECK(histogram.snapshot().buckets.empty());
  histogram.record(42);
  CHECK(histogram.percentile(100) == 42);
  CHECK(histogram.min() == 42);
}
