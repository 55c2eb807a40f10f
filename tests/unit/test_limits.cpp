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

TEST_CASE("limits that are met give nothing, each unmet limit gives its sentence") {
  const Results good = received_with_latency(2000, 0);
  CHECK(unmet_limits(good, Limits{5.0, LossLimit{0, false}, 900.0, {}}).empty());

  const Results slow_and_lossy = received_with_latency(20000, 10);
  const auto unmet = unmet_limits(slow_and_lossy, Limits{5.0, LossLimit{0, false}, 995.0, {}});
  REQUIRE(unmet.size() == 3);
  CHECK(unmet[0] == "the p99 latency 20.000 ms is above --fail-p99 5");
  CHECK(unmet[1] == "10 of 1000 expected messages were lost, more than --fail-loss 0");
  CHECK(unmet[2] == "the received rate 990.0/s is below --fail-rate 995");
  CHECK(unmet_limits(slow_and_lossy, Limits{std::nullopt, LossLimit{1, true}, std::nullopt, {}}).empty());
  CHECK(unmet_limits(slow_and_lossy, Limits{std::nullopt, LossLimit{0.5, true}, std::nullopt, {}}).size() ==
        1);
}

TEST_CASE("--fail-p99 is not met when nothing was measured") {
  Results nothing;
  nothing.scenario = "pubsub";
  const auto unmet = unmet_limits(nothing, Limits{100.0, std::nullopt, std::nullopt, {}});
  REQUIRE(unmet.size() == 1);
  CHECK(unmet[0] == "no latency was measured, so --fail-p99 100 cannot be met");
}

TEST_CASE("each gate records its option, limit, unit, measured value and verdict") {
  Results run = received_with_latency(20000, 10);
  run.totals.errors_by_cause["the connection to localhost:1883 was lost"] = 2;
  const std::vector<Gate> gates = check_gates(run, Limits{5.0, LossLimit{2, true}, 900.0, 1});
  REQUIRE(gates.size() == 4);
  CHECK(gates[0].option == "--fail-p99");
  CHECK(gates[0].limit == 5.0);
  CHECK(gates[0].unit == "ms");
  CHECK(gates[0].value == 20.0);
  CHECK_FALSE(gates[0].passed);
  CHECK(gates[1].option == "--fail-loss");
  CHECK(gates[1].unit == "%");
  CHECK(gates[1].value == doctest::Approx(1.0));
  CHECK(gates[1].passed);
  CHECK(gates[1].detail == "10 of 1000 expected messages were lost, within --fail-loss 2%");
  CHECK(gates[2].option == "--fail-rate");
  CHECK(gates[2].unit == "received/s");
  CHECK(gates[2].value == 990.0);
  CHECK(gates[2].passed);
  CHECK(gates[3].option == "--fail-errors");
  CHECK(gates[3].unit == "errors");
  CHECK(gates[3].value == 2.0);
  CHECK_FALSE(gates[3].passed);
  CHECK(
      gates[3].detail ==
      "2 errors, more than --fail-errors 1 (the most common: 2 x the connection to localhost:1883 was lost)");
  CHECK(unmet_limits(gates).size() == 2);
  CHECK(check_gates(run, Limits{}).empty());
}

TEST_CASE("--fail-errors 0 passes a run without errors") {
  const std::vector<Gate> gates = check_gates(received_with_latency(100, 0), Limits{{}, {}, {}, 0});
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].passed);
  CHECK(gates[0].detail == "0 errors, within --fail-errors 0");
}

TEST_CASE("a gate that could not be measured has no value and does not pass") {
  Results nothing;
  nothing.scenario = "pub";
  const std::vector<Gate> gates = check_gates(nothing, Limits{1.0, {}, {}, {}});
  REQUIRE(gates.size() == 1);
  CHECK_FALSE(gates[0].value.has_value());
  CHECK_FALSE(gates[0].passed);
}
