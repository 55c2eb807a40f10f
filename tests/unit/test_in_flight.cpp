#include <doctest/doctest.h>

#include "in_flight.hpp"

using mq::bench::InFlight;
using mq::bench::PendingPublish;

TEST_CASE("messages in flight are found by their id, once, and their slots are used again") {
  InFlight in_flight;
  in_flight.reserve_window(3);
  for (int mid : {1, 2, 3})
    REQUIRE(in_flight.add(PendingPublish{mid, {}, mid != 2}));
  CHECK(in_flight.size() == 3);
  const auto second = in_flight.take(2);
  REQUIRE(second);
  CHECK(second->mid == 2);
  CHECK_FALSE(second->measured);
  CHECK_FALSE(in_flight.take(2));
  CHECK_FALSE(in_flight.take(4));
  CHECK(in_flight.size() == 2);
}

TEST_CASE("ids wrapping from 65535 to 1 share slots with the ones still in flight") {
  InFlight in_flight;
  in_flight.reserve_window(2);  // five slots: 65534 % 5 == 4, 65535 % 5 == 0, 1 % 5 == 1
  for (int mid : {65534, 65535, 1, 2})
    REQUIRE(in_flight.add(PendingPublish{mid, {}, true}));
  for (int mid : {1, 65534, 2, 65535}) {
    CAPTURE(mid);
    const auto found = in_flight.take(mid);
    REQUIRE(found);
    CHECK(found->mid == mid);
  }
  CHECK(in_flight.size() == 0);
}

TEST_CASE("a full table refuses one more message instead of overwriting one") {
  InFlight in_flight;
  in_flight.reserve_window(1);  // three slots
  for (int mid : {10, 11, 12})
    REQUIRE(in_flight.add(PendingPublish{mid, {}, true}));
  CHECK_FALSE(in_flight.add(PendingPublish{13, {}, true}));
  for (int mid : {10, 11, 12})
    CHECK(in_flight.take(mid));
}

TEST_CASE("a full window reopens once half of it is acknowledged, not at the first acknowledgement") {
  InFlight in_flight;
  in_flight.reserve_window(4);
  for (int mid : {1, 2, 3}) {
    REQUIRE(in_flight.add(PendingPublish{mid, {}, true}));
    CHECK_FALSE(in_flight.full());
  }
  REQUIRE(in_flight.add(PendingPublish{4, {}, true}));
  CHECK(in_flight.full());
  CHECK_FALSE(in_flight.reopens());
  in_flight.take(1);
  CHECK_FALSE(in_flight.full());
  CHECK_FALSE(in_flight.reopens());  // three of four still in flight
  in_flight.take(2);
  CHECK(in_flight.reopens());
}

TEST_CASE("a window of one reopens when its message is acknowledged") {
  InFlight in_flight;
  in_flight.reserve_window(1);
  REQUIRE(in_flight.add(PendingPublish{7, {}, true}));
  CHECK(in_flight.full());
  CHECK_FALSE(in_flight.reopens());
  in_flight.take(7);
  CHECK(in_flight.reopens());
}
