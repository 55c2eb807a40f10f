#pragma once

#include <ctime>

namespace mq {

/// The local calendar time of `seconds` since the epoch (as localtime_r), cached for the last
/// second asked for: output formats ask for the same second for thousands of messages.
const std::tm& local_time(std::time_t seconds);

/// The current wall-clock time (CLOCK_REALTIME), with nanoseconds.
timespec wall_clock_now();

}  // namespace mq
