#include <doctest/doctest.h>

#include <vector>

#include "flow_control.hpp"

using mq::bench::FlowControl;
using mq::bench::Pattern;
using mq::bench::Stamp;

namespace {

Stamp measured(std::uint64_t sequence) { return Stamp{1, sequence, 0, false}; }
Stamp warmup(std::uint64_t sequence) { return Stamp{1, sequence, 0, true}; }

}  // namespace

TEST_CASE("a publisher may keep a window of messages on their way, and no more") {
  FlowControl flow{Pattern::pairs, 2, 2, 3};
  CHECK(flow.open(0, {0, 2}));
  CHECK_FALSE(flow.open(0, {0, 3}));
  flow.delivered(0, 0, measured(0));
  CHECK(flow.outstanding(0, {0, 3}) == 2);
  CHECK(flow.open(0, {0, 3}));
  CHECK_FALSE(flow.open(1, {0, 3}));  // publisher 1's subscriber received nothing
}

TEST_CASE("a message the broker dropped costs nothing once a later one arrives") {
  FlowControl flow{Pattern::pairs, 1, 1, 10};
  flow.delivered(0, 0, measured(7));  // 0 to 6 were lost
  CHECK(flow.outstanding(0, {0, 10}) == 2);
  flow.delivered(0, 0, measured(3));  // late, or duplicated: no step back
  CHECK(flow.outstanding(0, {0, 10}) == 2);
}

TEST_CASE("measured messages come after the warm-up, whatever the subscriber saw of it") {
  CHECK(FlowControl::outstanding({5, 0}, FlowControl::position(warmup(1))) == 3);
  CHECK(FlowControl::outstanding({5, 4}, FlowControl::position(warmup(4))) == 4);
  CHECK(FlowControl::outstanding({5, 4}, FlowControl::position(warmup(2))) == 6);
  CHECK(FlowControl::outstanding({5, 4}, FlowControl::position(measured(1))) == 2);
  CHECK(FlowControl::outstanding({5, 4}, 0) == 9);
  for (std::uint64_t left = 0; left <= 9; ++left)
    CHECK(FlowControl::outstanding({5, 4}, FlowControl::position_leaving({5, 4}, left)) == left);
}

TEST_CASE("a waiting publisher is woken once, when half its window got through") {
  FlowControl flow{Pattern::pairs, 1, 1, 4};
  std::vector<std::uint32_t> woken;
  flow.set_waker([&](std::uint32_t publisher) { woken.push_back(publisher); });
  CHECK(flow.wait(0, {0, 4}));
  CHECK(flow.waiting(0));
  flow.delivered(0, 0, measured(0));
  CHECK(woken.empty());  // 3 outstanding
  CHECK(flow.open(0, {0, 4}));
  CHECK(flow.waiting(0));  // open again, but it waits for half its window: then it sends a burst
  flow.delivered(0, 0, measured(1));
  CHECK(woken == std::vector<std::uint32_t>{0});
  CHECK_FALSE(flow.waiting(0));
  flow.delivered(0, 0, measured(2));
  CHECK(woken.size() == 1);
  CHECK_FALSE(flow.wait(0, {0, 4}));  // through already: it need not wait
}

TEST_CASE("in fan-out the slowest subscriber sets the pace, and one that is gone does not") {
  FlowControl flow{Pattern::fan_out, 1, 3, 2};
  for (std::uint32_t subscriber : {0u, 1u})
    flow.delivered(0, subscriber, measured(3));
  CHECK(flow.outstanding(0, {0, 4}) == 4);
  std::vector<std::uint32_t> woken;
  flow.set_waker([&](std::uint32_t publisher) { woken.push_back(publisher); });
  CHECK(flow.wait(0, {0, 4}));
  flow.retire(2);
  CHECK(woken == std::vector<std::uint32_t>{0});
  CHECK(flow.outstanding(0, {0, 4}) == 0);
}

TEST_CASE("in fan-in each publisher has its own window, and the one subscriber's end frees them all") {
  FlowControl flow{Pattern::fan_in, 3, 1, 1};
  flow.delivered(1, 0, measured(0));
  CHECK_FALSE(flow.open(0, {0, 1}));
  CHECK(flow.open(1, {0, 1}));
  flow.retire(0);
  CHECK(flow.open(0, {0, 100}));
  CHECK(flow.open(2, {0, 100}));
}
