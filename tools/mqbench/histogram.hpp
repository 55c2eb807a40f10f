#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace mq::bench {

/// Latencies in microseconds, recorded HDR-style: log-linear buckets keep 3 significant digits
/// from 1 µs to 1 hour in fixed memory (values above an hour are recorded as an hour). Merging
/// two histograms is exact: the result is what recording every value into one would give.
class Histogram {
public:
  static constexpr std::uint64_t highest = 3'600'000'000;  // 1 h in µs
  static constexpr int significant_digits = 3;

  /// The exact state as plain numbers, for JSON: every non-empty bucket as (the lowest value it
  /// holds, count), the extremes and the sum.
  struct Snapshot {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    double sum = 0;
  };

  Histogram();

  void record(std::uint64_t value, std::uint64_t times = 1);
  void merge(const Histogram& other);
  /// Empties the histogram (cheaply: only the buckets used since the last reset are cleared).
  void reset();

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// The smallest and largest values recorded (exact); 0 when empty.
  std::uint64_t min() const { return empty() ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return empty() ? 0 : sum_ / static_cast<double>(count_); }
  /// The sum of the values recorded.
  double sum() const { return sum_; }
  /// The value below or at which `percentile` percent (0 to 100) of the values lie: the highest
  /// value of the bucket holding the value of that rank, so never below the exact answer and at
  /// most one part in a thousand above it; 0 when empty.
  std::uint64_t percentile(double percentile) const;

  /// For each of the ascending `bounds`, how many values lie in buckets whose highest value is
  /// at or below it: exact where a bound ends a bucket (every bound below 2048), else leaving
  /// out the values of the bucket the bound cuts, which lie within a thousandth of it.
  std::vector<std::uint64_t> counts_at_or_below(const std::vector<std::uint64_t>& bounds) const;

  Snapshot snapshot() const;
  /// Rebuilds a histogram from a snapshot; throws std::invalid_argument when it is inconsistent.
  static Histogram from_snapshot(const Snapshot& snapshot);

private:
  explicit Histogram(std::vector<std::uint64_t>&& cleared_counts);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0;
  std::size_t lowest_used_ = SIZE_MAX;  // the range of counts_ to clear on reset
  std::size_t highest_used_ = 0;
};

}  // namespace mq::bench
