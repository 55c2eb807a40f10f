#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace mq::bench {
namespace {

// 3 significant digits need 2 * 10^3 distinct values per power of two: 2048 sub-buckets. The
// first bucket holds 0..2047 exactly; bucket b >= 1 holds the upper half (1024..2047) of the
// sub-buckets, each 2^b wide. Indexes: bucket 0 uses 0..2047, bucket b uses (b+1)*1024 onwards.
constexpr int sub_bucket_bits = 11;
constexpr std::uint64_t sub_bucket_count = 1u << sub_bucket_bits;
constexpr std::uint64_t sub_bucket_half = sub_bucket_count / 2;

constexpr int bucket_of(std::uint64_t value) {
  return 64 - std::countl_zero(value | (sub_bucket_count - 1)) - sub_bucket_bits;
}

constexpr std::size_t index_of(std::uint64_t value) {
  const int bucket = bucket_of(value);
  return (static_cast<std::size_t>(bucket) << (sub_bucket_bits - 1)) + (value >> bucket);
}

// The bucket and the lowest value of the values stored at `index`.
constexpr std::pair<int, std::uint64_t> bucket_and_lowest(std::size_t index) {
  if (index < sub_bucket_count) return {0, index};
  const int bucket = static_cast<int>(index >> (sub_bucket_bits - 1)) - 1;
  const std::uint64_t sub_bucket = index - (static_cast<std::size_t>(bucket) << (sub_bucket_bits - 1));
  return {bucket, sub_bucket << bucket};
}

constexpr std::uint64_t lowest_equivalent(std::size_t index) { return bucket_and_lowest(index).second; }

constexpr std::uint64_t highest_equivalent(std::size_t index) {
  const auto [bucket, lowest] = bucket_and_lowest(index);
  return lowest + (std::uint64_t{1} << bucket) - 1;
}

constexpr std::size_t counts_length = index_of(Histogram::highest) + 1;

static_assert(index_of(2047) == 2047 && index_of(2048) == 2048 && index_of(4095) == 3071);
static_assert(lowest_equivalent(index_of(123'456)) <= 123'456 &&
              highest_equivalent(index_of(123'456)) >= 123'456);
static_assert(sub_bucket_half == 1024);

// The rank (1-based) of the value at `percentile` among `count` values, in exact integers so
// that 99.9 % of 1000 values is rank 999 and not 1000 through floating-point rounding.
std::uint64_t rank_at(double percentile, std::uint64_t count) {
  constexpr std::uint64_t million = 1'000'000;
  const auto parts_per_million =
      static_cast<std::uint64_t>(std::llround(std::clamp(percentile, 0.0, 100.0) * 1e4));
  // ceil(count * ppm / 10^6) without overflow: split count into millions and the rest.
  const std::uint64_t rank =
      count / million * parts_per_million + (count % million * parts_per_million + million - 1) / million;
  return std::clamp<std::uint64_t>(rank, 1, count);
}

}  // namespace

Histogram::Histogram() : counts_(counts_length, 0) {}

void Histogram::record(std::uint64_t value, std::uint64_t times) {
  if (times == 0) return;
  value = std::min(value, highest);
  const std::size_t index = index_of(value);
  counts_[index] += times;
  lowest_used_ = std::min(lowest_used_, index);
  highest_used_ = std::max(highest_used_, index);
  count_ += times;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value) * static_cast<double>(times);
}

void Histogram::merge(const Histogram& other) {
  if (other.empty()) return;
  for (std::size_t index = other.lowest_used_; index <= other.highest_used_; ++index)
    counts_[index] += other.counts_[index];
  lowest_used_ = std::min(lowest_used_, other.lowest_used_);
  highest_used_ = std::max(highest_used_, other.highest_used_);
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() {
  if (lowest_used_ <= highest_used_)
    std::fill(counts_.begin() + static_cast<std::ptrdiff_t>(lowest_used_),
              counts_.begin() + static_cast<std::ptrdiff_t>(highest_used_) + 1, 0);
  *this = Histogram{std::move(counts_)};
}

Histogram::Histogram(std::vector<std::uint64_t>&& cleared_counts) : counts_(std::move(cleared_counts)) {}

std::uint64_t Histogram::percentile(double percentile) const {
  if (empty()) return 0;
  const std::uint64_t rank = rank_at(percentile, count_);
  std::uint64_t seen = 0;
  for (std::size_t index = lowest_used_; index <= highest_used_; ++index) {
    seen += counts_[index];
    if (seen >= rank) return std::clamp(highest_equivalent(index), min_, max_);
  }
  return max_;
}

std::vector<std::uint64_t> Histogram::counts_at_or_below(const std::vector<std::uint64_t>& bounds) const {
  std::vector<std::uint64_t> counts;
  counts.reserve(bounds.size());
  std::uint64_t seen = 0;
  std::size_t index = lowest_used_;
  for (const std::uint64_t bound : bounds) {
    for (; index <= highest_used_ && highest_equivalent(index) <= bound; ++index)
      seen += counts_[index];
    counts.push_back(seen);
  }
  return counts;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot{{}, min(), max(), sum_};
  for (std::size_t index = lowest_used_; index <= highest_used_ && !empty(); ++index) {
    if (counts_[index] != 0) snapshot.buckets.emplace_back(lowest_equivalent(index), counts_[index]);
  }
  return snapshot;
}

Histogram Histogram::from_snapshot(const Snapshot& snapshot) {
  Histogram histogram;
  for (const auto& [value, times] : snapshot.buckets) {
    if (value > highest) throw std::invalid_argument("a bucket value is above one hour");
    histogram.record(value, times);
  }
  if (histogram.empty()) return histogram;
  if (index_of(snapshot.min) != histogram.lowest_used_ || index_of(snapshot.max) != histogram.highest_used_ ||
      snapshot.min > snapshot.max)
    throw std::invalid_argument("min and max do not match the buckets");
  histogram.min_ = snapshot.min;
  histogram.max_ = snapshot.max;
  histogram.sum_ = snapshot.sum;
  return histogram;
}

}  // namespace mq::bench
