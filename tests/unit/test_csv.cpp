#include <doctest/doctest.h>

#include "csv.hpp"

using namespace mq::bench;

namespace {

// A conn run of two seconds: the connects of the first, then a hold whose --churn reopened
// `reconnects` connections each second (without --churn when nullopt).
Results conn_run(std::optional<std::uint64_t> reconnects) {
  Results results;
  results.scenario = "conn";
  results.description = "4 connections to 127.0.0.1:1883";
  results.totals.connections_attempted = results.totals.connections_made = 4;
  results.connect_latency.record(800, 4);
  results.series.push_back(SecondSample{1, "connect", 4, 0, 0, 0, 0, {}, {}, {}, 4, 800, 800, 0});
  results.series.push_back(
      SecondSample{2, "hold", 4, 0, 0, 0, 0, {}, {}, {}, 0, {}, {}, reconnects.value_or(0)});
  if (reconnects) {
    results.churn =
        Churn{10, "drop", 1, 10, 10, *reconnects, 10 - *reconnects, 0.002, {{"refused", 10 - *reconnects}}};
    results.reconnect_latency.record(1200, *reconnects);
  }
  results.compute_rates();
  return results;
}

}  // namespace

TEST_CASE("--csv of a conn --churn run has each second's reconnects in its last column") {
  CHECK(results_csv(conn_run(7)) ==
        "t_s,phase,connections,sent,acked,received,errors,p50_ms,p99_ms,max_ms,connects,connect_p50_ms,"
        "connect_p99_ms,reconnects\r\n"
        "1,connect,4,0,0,0,0,,,,4,0.800,0.800,0\r\n"
        "2,hold,4,0,0,0,0,,,,0,,,7\r\n");
}

TEST_CASE("--csv of a run without churn has the same columns, its reconnects empty") {
  CHECK(results_csv(conn_run(std::nullopt)) ==
        "t_s,phase,connections,sent,acked,received,errors,p50_ms,p99_ms,max_ms,connects,connect_p50_ms,"
        "connect_p99_ms,reconnects\r\n"
        "1,connect,4,0,0,0,0,,,,4,0.800,0.800,\r\n"
        "2,hold,4,0,0,0,0,,,,0,,,\r\n");
}

TEST_CASE("--csv of a churn result read back from its JSON (mqbench report) is the run's own") {
  for (const std::optional<std::uint64_t> reconnects :
       {std::optional<std::uint64_t>{7}, std::optional<std::uint64_t>{}}) {
    CAPTURE(reconnects.has_value());
    const Results run = conn_run(reconnects);
    CHECK(results_csv(results_from_json(to_json(run), "churn.json")) == results_csv(run));
  }
}
