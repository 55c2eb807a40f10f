// mqrr's round-trip summary: nearest-rank percentiles, as text and as JSON.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "round_trips.hpp"

using std::chrono::microseconds;

TEST_CASE("the summary of 100 round trips of 1 to 100 ms gives the nearest-rank percentiles") {
  mq::rr::RoundTrips trips;
  for (int ms = 100; ms >= 1; --ms)
    trips.add(microseconds(ms * 1000));
  CHECK(trips.text() == "round trips of 100 requests: min 1.000 ms, p50 50.000 ms, p90 90.000 ms, p99 99.000 "
                        "ms, max 100.000 ms");
  const nlohmann::json json = nlohmann::json::parse(trips.json());
  CHECK(json["round_trip_ms"]["requests"] == 100);
  CHECK(json["round_trip_ms"]["p90"] == 90.0);
  CHECK(json["round_trip_ms"]["max"] == 100.0);
}

TEST_CASE("one round trip is every percentile, and none is said as such") {
  mq::rr::RoundTrips one;
  one.add(microseconds(1500));
  CHECK(one.text() ==
        "round trips of 1 request: min 1.500 ms, p50 1.500 ms, p90 1.500 ms, p99 1.500 ms, max 1.500 ms");
  CHECK(mq::rr::RoundTrips{}.text() == "no round trip completed");
  CHECK(mq::rr::RoundTrips{}.json() == R"({"round_trip_ms":{"requests":0}})");
}
