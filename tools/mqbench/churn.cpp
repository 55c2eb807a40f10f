#include "churn.hpp"

#include <cmath>

namespace mq::bench {

const char* churn_close_name(ChurnClose close) {
  return close == ChurnClose::disconnect ? "disconnect" : "drop";
}

ChurnSchedule::ChurnSchedule(double rate, int threads, int index, Clock::time_point start)
    : rate_(rate), threads_(static_cast<std::uint64_t>(threads)), index_(static_cast<std::uint64_t>(index)),
      start_(start) {}

Clock::time_point ChurnSchedule::due_time(std::uint64_t k) const {
  const double global = static_cast<double>(k * threads_ + index_);
  return start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(global * 1e9 / rate_));
}

std::uint64_t ChurnSchedule::due_by(Clock::time_point time) const {
  if (time < start_) return 0;
  const double slots =
      std::chrono::duration<double>(time - start_).count() * rate_;  // global churns due, less one
  const double own = std::floor((slots - static_cast<double>(index_)) / static_cast<double>(threads_));
  std::uint64_t count = own < 0 ? 0 : static_cast<std::uint64_t>(own) + 1;
  // Rounding must not disagree with due_time(), which decides what is taken.
  while (count > 0 && due_time(count - 1) > time)
    --count;
  while (due_time(count) <= time)
    ++count;
  return count;
}

}  // namespace mq::bench
