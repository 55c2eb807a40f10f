#include <doctest/doctest.h>

#include "mq/pacer.hpp"

using mq::Clock;
using mq::Schedule;
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

TEST_CASE("a loop that wakes once a millisecond finds every message due by then: 50 at 50,000 a second") {
  const Clock::time_point start{};
  Schedule schedule{50'000, start};
  std::uint64_t sent = 0;
  for (auto now = start; now < start + 1s; now += 1ms)
    while (schedule.due(now)) {
      schedule.take(now);
      ++sent;
    }
  CHECK(sent == 49'951);  // messages 0 to 49,950 are due by the last wakeup, at 999 ms
}

TEST_CASE("limit_backlog: after a stall at most that many are due at once, then the rate again") {
  const Clock::time_point start{};
  Schedule schedule{1000, start};
  schedule.take(start);
  CHECK(schedule.backlog(start + 1s) == 1000);
  schedule.limit_backlog(start + 1s, 100);
  CHECK(schedule.backlog(start + 1s) == 100);
  for (int i = 0; i < 100; ++i)
    schedule.take(start + 1s);
  CHECK_FALSE(schedule.due(start + 1s));
  CHECK(schedule.next_time() == start + 1s + 1ms);
  CHECK(schedule.backlog(start + 2s) == 1000);
  CHECK(schedule.taken() == 101);
}

TEST_CASE("limit_backlog leaves a schedule that is on time alone, and keeps at least one message due") {
  const Clock::time_point start{};
  Schedule on_time{10, start};
  on_time.limit_backlog(start + 150ms, 5);
  CHECK(on_time.backlog(start + 150ms) == 2);
  CHECK(on_time.next_time() == start);

  Schedule late{10, start};
  late.limit_backlog(start + 1h, 0);
  CHECK(late.backlog(start + 1h) == 1);
  CHECK(late.take(start + 1h) == start + 1h);
  CHECK(late.next_time() == start + 1h + 100ms);
}

TEST_CASE("backlog and due agree at every instant, whatever the rounding of the rate") {
  const Clock::time_point start{};
  for (const double rate : {3.0, 7.0, 1000.0 / 3, 49'999.0}) {
    CAPTURE(rate);
    Schedule schedule{rate, start};
    schedule.limit_backlog(start + 997ms, 3);
    for (auto now = start + 997ms; now < start + 1200ms; now += 37us) {
      CHECK(schedule.due(now) == (schedule.backlog(now) > 0));
      if (schedule.due(now)) schedule.take(now);
    }
  }
}
