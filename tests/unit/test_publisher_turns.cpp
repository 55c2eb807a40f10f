#include <doctest/doctest.h>

#include "publisher_turns.hpp"

using mq::Clock;
using mq::bench::PublisherTurns;
using namespace std::chrono_literals;

namespace {

struct FakePublisher {
  int number = 0;
  bool queued = false;
};

std::vector<int> numbers(const std::vector<FakePublisher*>& round) {
  std::vector<int> seen;
  for (const FakePublisher* publisher : round)
    seen.push_back(publisher->number);
  return seen;
}

}  // namespace

TEST_CASE("a publisher whose time came joins the round, in the order it became runnable, once") {
  const Clock::time_point now{};
  FakePublisher a{1}, b{2}, c{3};
  PublisherTurns<FakePublisher> turns;
  turns.next_round(b);
  turns.next_round(b);
  turns.at(now + 5ms, a);
  turns.at(now - 1ms, c);
  CHECK(turns.next_due(now) == now);
  CHECK(numbers(turns.take_round(now)) == std::vector<int>{2, 3});
  CHECK_FALSE(b.queued);
  CHECK(turns.next_due(now) == now + 5ms);
  CHECK(turns.take_round(now + 4ms).empty());
  CHECK(numbers(turns.take_round(now + 5ms)) == std::vector<int>{1});
  CHECK_FALSE(turns.next_due(now + 5ms));
}
