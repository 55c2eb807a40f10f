#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "churn.hpp"

using namespace mq::bench;
using namespace std::chrono_literals;

TEST_CASE("the workers' churn schedules together keep to the rate, each churn due once") {
  const mq::Clock::time_point start{};
  std::vector<ChurnSchedule> workers;
  for (int index = 0; index < 3; ++index)
    workers.emplace_back(30.0, 3, index, start);
  std::multiset<mq::Clock::time_point> due;
  for (ChurnSchedule& worker : workers) {
    while (worker.due(start + 1s))
      due.insert(worker.take());
  }
  CHECK(due.size() == 31);  // at 0, 1/30 s, ... 30/30 s
  CHECK(*due.begin() == start);
  CHECK(*due.rbegin() == start + 1s);
  mq::Clock::time_point previous = start - 1s;
  for (const mq::Clock::time_point time : due) {
    CHECK(time > previous);
    previous = time;
  }
}

TEST_CASE("due_by counts the churns due, taken or not: what lags behind shows") {
  ChurnSchedule schedule{100.0, 2, 1, mq::Clock::time_point{}};  // due at 10 ms, 30 ms, 50 ms...
  CHECK(schedule.due_by(mq::Clock::time_point{} + 9ms) == 0);
  CHECK(schedule.due_by(mq::Clock::time_point{} + 10ms) == 1);
  CHECK(schedule.due_by(mq::Clock::time_point{} + 1s) == 50);
  CHECK(schedule.taken() == 0);
  CHECK(schedule.next_due() == mq::Clock::time_point{} + 10ms);
  CHECK(schedule.take() == mq::Clock::time_point{} + 10ms);
  CHECK(schedule.next_due() == mq::Clock::time_point{} + 30ms);
  CHECK_FALSE(schedule.due(mq::Clock::time_point{} + 29ms));
}

TEST_CASE("a fractional rate spreads the churns over whole seconds") {
  ChurnSchedule schedule{0.5, 1, 0, mq::Clock::time_point{}};
  CHECK(schedule.due_by(mq::Clock::time_point{} + 1999ms) == 1);
  CHECK(schedule.due_by(mq::Clock::time_point{} + 2s) == 2);
}

TEST_CASE("round-robin takes the next eligible item after the last one chosen, and none when none is") {
  RoundRobin turn;
  std::vector<bool> held{true, false, true, true};
  const auto eligible = [&held](std::size_t i) { return held[i]; };
  CHECK(turn.next(held.size(), eligible) == 0u);
  CHECK(turn.next(held.size(), eligible) == 2u);
  CHECK(turn.next(held.size(), eligible) == 3u);
  CHECK(turn.next(held.size(), eligible) == 0u);
  held = {false, false, false, false};
  CHECK_FALSE(turn.next(held.size(), eligible).has_value());
  CHECK_FALSE(turn.next(0, eligible).has_value());
}
