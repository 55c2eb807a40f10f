#include "round_trips.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mq::rr {
namespace {

double milliseconds(std::chrono::nanoseconds time) { return static_cast<double>(time.count()) / 1e6; }

// The nearest-rank percentile of sorted `times`: the smallest time that at least `percent`
// percent of the times do not exceed.
std::chrono::nanoseconds percentile(const std::vector<std::chrono::nanoseconds>& sorted, double percent) {
  const auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

RoundTrips::Summary RoundTrips::summary() const {
  std::vector<std::chrono::nanoseconds> sorted = times_;
  std::sort(sorted.begin(), sorted.end());
  return {milliseconds(sorted.front()), milliseconds(percentile(sorted, 50)),
          milliseconds(percentile(sorted, 90)), milliseconds(percentile(sorted, 99)),
          milliseconds(sorted.back())};
}

std::string RoundTrips::text() const {
  if (times_.empty()) return "no round trip completed";
  const Summary s = summary();
  return fmt::format(
      "round trips of {} request{}: min {:.3f} ms, p50 {:.3f} ms, p90 {:.3f} ms, p99 {:.3f} ms, "
      "max {:.3f} ms",
      count(), count() == 1 ? "" : "s", s.min, s.p50, s.p90, s.p99, s.max);
}

std::string RoundTrips::json() const {
  if (times_.empty()) return R"({"round_trip_ms":{"requests":0}})";
  const Summary s = summary();
  return fmt::format(
      R"({{"round_trip_ms":{{"requests":{},"min":{:.3f},"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"max":{:.3f}}}}})",
      count(), s.min, s.p50, s.p90, s.p99, s.max);
}

}  // namespace mq::rr
