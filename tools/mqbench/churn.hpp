#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "bench.hpp"
#include "mq/session.hpp"

// conn --churn: when each worker closes and reopens a held connection, and which one.
namespace mq::bench {

/// "drop" or "disconnect", as --churn-close and the JSON result spell it.
const char* churn_close_name(ChurnClose close);

/// The churns of one worker: churn k of worker `index` (of `threads`) is churn k * threads +
/// index of the run, due that many rate-ths of a second after the start, so that the workers
/// together keep to the rate however the connections are spread. A schedule, not a cap: a
/// churn that could not start when due stays due, and the lag shows.
class ChurnSchedule {
public:
  ChurnSchedule(double rate, int threads, int index, Clock::time_point start);

  /// When the next churn not yet taken is (or was) due.
  Clock::time_point next_due() const { return due_time(taken_); }
  bool due(Clock::time_point now) const { return next_due() <= now; }
  /// Takes the next churn; returns when it was due.
  Clock::time_point take() { return due_time(taken_++); }
  /// The churns due by `time`, taken or not: what was asked of this worker until then.
  std::uint64_t due_by(Clock::time_point time) const;
  std::uint64_t taken() const { return taken_; }

private:
  Clock::time_point due_time(std::uint64_t k) const;

  double rate_;
  std::uint64_t threads_;
  std::uint64_t index_;
  Clock::time_point start_;
  std::uint64_t taken_ = 0;
};

/// Round-robin over `count` items: the first one after the last chosen that `eligible` accepts.
class RoundRobin {
public:
  template <class Eligible> std::optional<std::size_t> next(std::size_t count, Eligible eligible) {
    for (std::size_t tried = 0; tried < count; ++tried) {
      const std::size_t candidate = (cursor_ + tried) % count;
      if (eligible(candidate)) {
        cursor_ = candidate + 1;
        return candidate;
      }
    }
    return std::nullopt;
  }

private:
  std::size_t cursor_ = 0;
};

}  // namespace mq::bench
