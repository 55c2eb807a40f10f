#pragma once

#include <chrono>
#include <cstdint>

namespace mq {

using Clock = std::chrono::steady_clock;

/// When each message of one stream is due: the one pacer of every tool. At a fixed rate,
/// message k is due at start + k / rate, computed from the start each time so that no rounding
/// accumulates and a loop that wakes late sends every message due by then. mqbench keeps the
/// scheduled time of a message sent late (latency counted from it includes the wait, the
/// coordinated-omission correction); mqpub bounds the catching up with limit_backlog(). Without
/// a rate, every message is due as soon as the previous one is sent and is timed from its send.
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
  /// Forgets all but `most` (at least 1) of the messages due at `now`: the schedule restarts so
  /// that after a stall at most `most` are due at once, and the rate stays an upper bound.
  void limit_backlog(Clock::time_point now, std::uint64_t most);
  bool unlimited() const { return rate_ <= 0; }

private:
  // The offset of message `index` (counted from the last restart) from the start.
  std::chrono::nanoseconds offset(std::uint64_t index) const;

  double rate_;
  Clock::time_point start_;
  std::uint64_t taken_ = 0;
  std::uint64_t restarted_at_ = 0;  // taken_ when the schedule last restarted
};

}  // namespace mq
