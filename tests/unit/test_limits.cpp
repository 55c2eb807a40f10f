#include <doctest/doctest.h>

#include "limits.hpp"
#include "mq/error.hpp"

using namespace mq::bench;

namespace {

Results received_with_latency(std::uint64_t microseconds, std::uint64_t lost) {
  Results results;
  results.scenario = "pubsub";
  results.measured_seconds = 1;
  results.totals.sent = 1000;
  results.totals.received = 1000 - lost;
  results.totals.lost = lost;
  for (std::uint64_t i = 0; i < results.totals.received; ++i)
    results.latency.record(microseconds);
  results.compute_rates();
  return results;
}

}  // namespace

TEST_CASE("--fail-loss takes a count or a percentage") {
  CHECK(parse_loss_limit("0").value == 0);
  CHECK_FALSE(parse_loss_limit("12").percent);
  CHECK(parse_loss_limit("0.5%").percent);
  CHECK(parse_loss_limit("0.5%").value == 0.5);
  for (const char* wrong : {"", "-1", "1.5", "abc", "101%", "%", "1e999"}) {
    CAPTURE(wrong);
    CHECK_THROWS_AS(parse_loss_limit(wrong), mq::Error);
  }
}

TEST_CASE("limits that are met give nothing; each unmet limit gives its sentence") {
  const Results good = received_with_latency(2000, 0);
  CHECK(unmet_limits(good, Limits{5.0, LossLimit{0, false}, 900.0}).empty());

  const Results slow_and_lossy = received_with_latency(20000, 10);
  const auto unmet = unmet_limits(slow_and_lossy, Limits{5.0, LossLimit{0, false}, 995.0});
  REQUIRE(unmet.size() == 3);
  CHECK(unmet[0] == "the p99 latency 20.000 ms is above --fail-p99 5");
  CHECK(unmet[1] == "10 of 1000 expected messages were lost, more than --fail-loss 0");
  CHECK(unmet[2] == "the received rate 990.0/s is below --fail-rate 995");
  CHECK(unmet_limits(slow_and_lossy, Limits{std::nullopt, LossLimit{1, true}, std::nullopt}).empty());
  CHECK(unmet_limits(slow_and_lossy, Limits{std::nullopt, LossLimit{0.5, true}, std::nullopt}).size() == 1);
}

TEST_CASE("--fail-p99 is not met when nothing was measured") {
  Results nothing;
  nothing.scenario = "pubsub";
  const auto unmet = unmet_limits(nothing, Limits{100.0, std::nullopt, std::nullopt});
  REQUIRE(unmet.size() == 1);
  CHECK(unmet[0] == "no latency was measured, so --fail-p99 100 cannot be met");
}
