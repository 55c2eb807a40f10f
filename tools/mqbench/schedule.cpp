#include "schedule.hpp"

#include <cmath>

namespace mq::bench {

Schedule::Schedule(double rate, Clock::time_point start) : rate_(rate), start_(start) {}

Clock::time_point Schedule::next_time() const {
  if (unlimited()) return start_;
  const double offset_ns = std::round(static_cast<double>(taken_) * 1e9 / rate_);
  return start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns));
}

Clock::time_point Schedule::take(Clock::time_point now) {
  const Clock::time_point scheduled = unlimited() ? now : next_time();
  ++taken_;
  return scheduled;
}

std::uint64_t Schedule::backlog(Clock::time_point now) const {
  if (unlimited()) return 1;
  if (now < start_) return 0;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const auto due = static_cast<std::uint64_t>(std::floor(elapsed * rate_)) + 1;  // message 0 is due at start
  return due > taken_ ? due - taken_ : 0;
}

}  // namespace mq::bench
