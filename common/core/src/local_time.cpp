#include "mq/local_time.hpp"

namespace mq {

const std::tm& local_time(std::time_t seconds) {
  thread_local std::time_t cached_second = -1;
  thread_local std::tm cached{};
  if (seconds != cached_second) {
    if (localtime_r(&seconds, &cached) == nullptr) cached = std::tm{};
    cached_second = seconds;
  }
  return cached;
}

timespec wall_clock_now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return now;
}

}  // namespace mq
