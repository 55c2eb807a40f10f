// mqpub's --rate and --repeat-delay on the one pacer (mq::Schedule).
#include <doctest/doctest.h>

#include "mq/pacer.hpp"
#include "pub.hpp"

using mq::Clock;
using mq::Schedule;
using mq::pub::PacingOptions;
using namespace std::chrono_literals;

namespace {

// What mqpub's loop does: wake every `step`, forget all but catch_up_messages() of a backlog,
// send everything due; `input_at` says from when input is there. Counts what was sent by `end`.
std::uint64_t sent_by(const PacingOptions& pacing, Clock::duration step, Clock::duration end,
                      Clock::duration input_at = {}) {
  const Clock::time_point start{};
  Schedule schedule{mq::pub::pacing_rate(pacing), start};
  for (auto now = start; now <= start + end; now += step) {
    if (now < start + input_at) continue;
    schedule.limit_backlog(now, mq::pub::catch_up_messages(pacing));
    while (schedule.due(now))
      schedule.take(now);
  }
  return schedule.taken();
}

PacingOptions rate(double messages_per_second) {
  PacingOptions pacing;
  pacing.rate = messages_per_second;
  return pacing;
}

}  // namespace

TEST_CASE("a loop that wakes once a millisecond sends every message due, not one per wakeup") {
  // message k is due at k / R: by the wakeup at 999 ms, messages 0 to 49,950 at 50,000 a second
  CHECK(sent_by(rate(50'000), 1ms, 999ms) == 49'951);
  CHECK(sent_by(rate(10'000), 3ms, 999ms) == 9'991);
}

TEST_CASE("--rate is at most R a second: after input stalls, at most 0.1 s of the schedule goes at once") {
  CHECK(mq::pub::catch_up_messages(rate(1000)) == 100);
  CHECK(mq::pub::catch_up_messages(rate(5)) == 1);
  // input arrives after 2 s: 100 at once, then 1000 a second again
  CHECK(sent_by(rate(1000), 1ms, 2s, 2s) == 100 + 0);
  CHECK(sent_by(rate(1000), 1ms, 3s - 1ns, 2s) == 100 + 999);
}

TEST_CASE("--repeat-delay and --rate make one rate: the stricter wins, none means no pacing") {
  PacingOptions pacing;
  CHECK(mq::pub::pacing_rate(pacing) == 0);
  pacing.repeat_delay = 0.5;
  CHECK(mq::pub::pacing_rate(pacing) == 2);
  pacing.rate = 10;
  CHECK(mq::pub::pacing_rate(pacing) == 2);
  pacing.rate = 1;
  CHECK(mq::pub::pacing_rate(pacing) == 1);
  // a repeat delay of a second: after a late message the next one waits a whole second
  CHECK(mq::pub::catch_up_messages(pacing) == 1);
}
