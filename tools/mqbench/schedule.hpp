#pragma once

#include <chrono>
#include <cstdint>

namespace mq::bench {

using Clock = std::chrono::steady_clock;

/// When each message of one publisher is due. At a fixed rate, message k is due at
/// start + k / rate, computed from the start each time so that no rounding accumulates. A
/// message sent late keeps its scheduled time: latency counted from it includes the wait, so a
/// stalled broker shows in the percentiles (the coordinated-omission correction). Without a
/// rate, every message is due as soon as the previous one is sent and is timed from its send.
class Schedule {
public:
  /// `rate` messages per second from `start`; 0 means as fast as possible.
  Schedule(double rate, Clock::time_point start);

  /// Whether the next message is due at `now`.
  bool due(Clock::time_point now) const { return unlimited() || next_time() <= now; }
  /// When the next message is due (`start` for the first; meaningless without a rate).
  Clock::time_point next_time() const;
  /// Takes the next message: returns its scheduled time (`now` without a rate) and moves on.
  Clock::time_point take(Clock::time_point now);
  /// How many messages were taken.
  std::uint64_t taken() const { return taken_; }
  /// How many messages are due at `now` and not taken yet.
  std::uint64_t backlog(Clock::time_point now) const;
  bool unlimited() const { return rate_ <= 0; }

private:
  double rate_;
  Clock::time_point start_;
  std::uint64_t taken_ = 0;
};

/// A message sent more than this after its scheduled time counts as behind schedule.
inline constexpr auto behind_schedule_after = std::chrono::milliseconds(1);

}  // namespace mq::bench
