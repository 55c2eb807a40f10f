#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace mq::rr {

/// The round-trip times of --repeat: from publishing a request to receiving its response.
class RoundTrips {
public:
  void add(std::chrono::nanoseconds round_trip) { times_.push_back(round_trip); }
  std::size_t count() const { return times_.size(); }

  /// The summary as the requester prints it on stderr:
  /// "round trips of 3 requests: min 0.21 ms, p50 0.30 ms, p90 0.41 ms, p99 0.52 ms, max 0.52 ms".
  std::string text() const;
  /// The same as one JSON object for --json:
  /// {"round_trip_ms":{"requests":3,"min":0.21,"p50":0.3,"p90":0.41,"p99":0.52,"max":0.52}}.
  std::string json() const;

private:
  struct Summary {
    double min, p50, p90, p99, max;  // milliseconds
  };
  Summary summary() const;

  std::vector<std::chrono::nanoseconds> times_;
};

}  // namespace mq::rr
