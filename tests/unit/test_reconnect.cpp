#include <doctest/doctest.h>

#include <vector>

#include "mq/reconnect.hpp"

using mq::ReconnectPolicy;
using mq::ReconnectSchedule;
using Clock = ReconnectSchedule::Clock;
using namespace std::chrono_literals;

namespace {

// The waits a schedule asks for after a loss at `now`, attempt after failed attempt, until it
// gives up (at most `limit` of them).
std::vector<std::chrono::milliseconds> waits(ReconnectSchedule& schedule, Clock::time_point now, int limit) {
  std::vector<std::chrono::milliseconds> seen;
  while (static_cast<int>(seen.size()) < limit) {
    const auto delay = schedule.schedule_next(now);
    if (!delay) break;
    seen.push_back(*delay);
    now += *delay;
    REQUIRE(schedule.take_due_attempt(now));
  }
  return seen;
}

}  // namespace

TEST_CASE("the wait doubles from the first delay up to the largest, and the attempts run out") {
  ReconnectSchedule schedule;
  schedule.set_policy(ReconnectPolicy{5, 100ms, 1000ms});
  const Clock::time_point now{};
  CHECK(schedule.lost(now, now + 20s));
  CHECK(schedule.active());
  CHECK(waits(schedule, now, 100) ==
        std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms});
  CHECK_FALSE(schedule.schedule_next(now));
}

TEST_CASE("an attempt is due only once its wait is over, and counts when taken") {
  ReconnectSchedule schedule;
  schedule.set_policy(ReconnectPolicy{-1, 100ms, 5000ms});
  const Clock::time_point now{};
  schedule.lost(now, now);
  CHECK(schedule.schedule_next(now) == 100ms);
  CHECK(schedule.next_attempt_number() == 1);
  CHECK_FALSE(schedule.take_due_attempt(now + 99ms));
  CHECK(schedule.take_due_attempt(now + 100ms));
  CHECK(schedule.next_attempt_number() == 2);
}

TEST_CASE("forever (-1) never gives up, and 0 never reconnects") {
  ReconnectSchedule forever;
  forever.set_policy(ReconnectPolicy{-1, 100ms, 5000ms});
  CHECK(waits(forever, Clock::time_point{}, 1000).size() == 1000);
  CHECK(waits(forever, Clock::time_point{}, 1).back() == 5000ms);

  ReconnectSchedule never;
  CHECK_FALSE(never.enabled());
}

TEST_CASE("a connection that lasted starts the count afresh, one dropped at once does not") {
  const Clock::time_point start{};
  ReconnectSchedule schedule;
  schedule.set_policy(ReconnectPolicy{3, 100ms, 5000ms});
  schedule.lost(start, start);
  REQUIRE(waits(schedule, start, 2).size() == 2);
  schedule.reconnected();
  CHECK_FALSE(schedule.active());

  // dropped 1 s after the CONNACK: only the one attempt left
  const Clock::time_point connected = start + 1min;
  CHECK(schedule.lost(connected, connected + 1s));
  CHECK(waits(schedule, connected, 10).size() == 1);
  schedule.reconnected();

  // dropped after a stable connection: all three again, from the first delay
  const Clock::time_point later = start + 1h;
  schedule.lost(later, later + ReconnectSchedule::stable_connection);
  CHECK(waits(schedule, later, 10) == std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms});
}

TEST_CASE("a failed attempt while reconnecting does not start reconnecting again") {
  ReconnectSchedule schedule;
  schedule.set_policy(ReconnectPolicy{-1, 100ms, 5000ms});
  const Clock::time_point now{};
  CHECK(schedule.lost(now, now));
  CHECK_FALSE(schedule.lost(now, now + 1s));
}
