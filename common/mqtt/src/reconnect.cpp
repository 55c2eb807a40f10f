#include "mq/reconnect.hpp"

#include <algorithm>

namespace mq {

bool ReconnectSchedule::lost(Clock::time_point connected_at, Clock::time_point now) {
  if (active_) return false;
  active_ = true;
  if (now - connected_at >= stable_connection) attempts_ = 0;
  return true;
}

std::optional<std::chrono::milliseconds> ReconnectSchedule::schedule_next(Clock::time_point now) {
  if (policy_.max_attempts > 0 && attempts_ >= policy_.max_attempts) return std::nullopt;
  const std::chrono::milliseconds delay = std::min<std::chrono::milliseconds>(
      policy_.first_delay * (1 << std::min(attempts_, 16)), policy_.max_delay);
  next_attempt_ = now + delay;
  return delay;
}

bool ReconnectSchedule::take_due_attempt(Clock::time_point now) {
  if (now < next_attempt_) return false;
  ++attempts_;
  return true;
}

}  // namespace mq
