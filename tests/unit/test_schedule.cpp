#include <doctest/doctest.h>

#include "schedule.hpp"

using mq::bench::Clock;
using mq::bench::Schedule;
using namespace std::chrono_literals;

TEST_CASE("at a fixed rate, message k is due at start + k / rate") {
  const Clock::time_point start{};
  Schedule schedule{1000, start};
  CHECK(schedule.due(start));
  CHECK(schedule.take(start + 5ms) == start);  // sent late, it keeps its scheduled time
  CHECK(schedule.next_time() == start + 1ms);
  CHECK_FALSE(schedule.due(start + 999us));
  CHECK(schedule.due(start + 1ms));
}

TEST_CASE("no drift: the millionth message of 3 per second is due at exactly 333333.33 s") {
  const Clock::time_point start{};
  Schedule schedule{3, start};
  for (int i = 0; i < 1'000'000; ++i)
    schedule.take(start);
  CHECK(schedule.taken() == 1'000'000);
  const auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(schedule.next_time() - start);
  CHECK(offset.count() == 333'333'333'333'333);
}

TEST_CASE("the backlog counts the messages due and not taken: a stall shows up") {
  const Clock::time_point start{};
  Schedule schedule{100, start};
  CHECK(schedule.backlog(start - 1ms) == 0);
  CHECK(schedule.backlog(start) == 1);
  CHECK(schedule.backlog(start + 1s) == 101);
  for (int i = 0; i < 50; ++i)
    schedule.take(start + 1s);
  CHECK(schedule.backlog(start + 1s) == 51);
}

TEST_CASE("without a rate every message is due and timed from its send") {
  const Clock::time_point start{};
  Schedule schedule{0, start};
  CHECK(schedule.unlimited());
  CHECK(schedule.due(start - 1h));
  CHECK(schedule.take(start + 3s) == start + 3s);
  CHECK(schedule.take(start + 4s) == start + 4s);
  CHECK(schedule.taken() == 2);
}
