#include "mq/pacer.hpp"

#include <algorithm>
#include <cmath>

namespace mq {

Schedule::Schedule(double rate, Clock::time_point start) : rate_(rate), start_(start) {}

std::chrono::nanoseconds Schedule::offset(std::uint64_t index) const {
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(std::round(static_cast<double>(index) * 1e9 / rate_)));
}

Clock::time_point Schedule::next_time() const {
  if (unlimited()) return start_;
  return start_ + offset(taken_ - restarted_at_);
}

Clock::time_point Schedule::take(Clock::time_point now) {
  const Clock::time_point scheduled = unlimited() ? now : next_time();
  ++taken_;
  return scheduled;
}

std::uint64_t Schedule::backlog(Clock::time_point now) const {
  if (unlimited()) return 1;
  if (now < start_) return 0;
  // The last message due at `now`, counted from the restart: the same rounding as next_time(),
  // so that backlog() and due() never disagree.
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_);
  auto last = static_cast<std::uint64_t>(std::floor(std::chrono::duration<double>(elapsed).count() * rate_));
  while (offset(last + 1) <= elapsed)
    ++last;
  while (last > 0 && offset(last) > elapsed)
    --last;
  const std::uint64_t due = restarted_at_ + last + 1;  // message 0 is due at start
  return due > taken_ ? due - taken_ : 0;
}

void Schedule::limit_backlog(Clock::time_point now, std::uint64_t most) {
  most = std::max<std::uint64_t>(most, 1);
  if (unlimited() || backlog(now) <= most) return;
  // The next message is due `most - 1` intervals before now, so `most` are due at `now`.
  restarted_at_ = taken_;
  start_ = now - offset(most - 1);
}

}  // namespace mq
