// mqbench's scenarios against a real broker, checked through the counts of their JSON results.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "harness/bench_results.hpp"
#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

nlohmann::json json_file(const Workspace& workspace, const std::string& name) {
  return nlohmann::json::parse(read_file(workspace / name));
}

// Runs mqbench against the broker with --json FILE and returns the document.
nlohmann::json bench(const Workspace& workspace, const Broker& broker, std::vector<std::string> arguments,
                     const std::string& file = "result.json") {
  arguments.insert(arguments.end(), {"-p", broker.port_text(), "--json", (workspace / file).string()});
  const Outcome outcome = run_tool(workspace, "mqbench", arguments);
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.exit_code == 0);
  return json_file(workspace, file);
}

}  // namespace

TEST_CASE("pubsub: --count messages at QoS 1 are received exactly once each, and timed") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json result = bench(workspace, broker, {"pubsub", "-c", "3", "--count", "300", "-q", "1"});
  const nlohmann::json& totals = result["totals"];
  CHECK(result["schema"] == "mqbench/1");
  CHECK(result["scenario"] == "pubsub");
  check_exact_delivery(totals, 300, 6);
  CHECK(totals["latency_ms"]["count"] == 300);
  CHECK(totals["latency_ms"]["p99"] >= totals["latency_ms"]["p50"]);
  CHECK(result["histograms"]["latency"]["count"] == 300);
  CHECK(totals["rates"]["received_per_s"] > 0);
}

TEST_CASE("pubsub is the default, and --json - prints the document instead of the table") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"-p", broker.port_text(), "--count", "20", "--json", "-"});
  REQUIRE(outcome.exit_code == 0);
  const nlohmann::json result = nlohmann::json::parse(outcome.out);
  CHECK(result["scenario"] == "pubsub");
  CHECK(result["totals"]["received"] == 20);
}

TEST_CASE("pubsub prints a summary table and a live line per second") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = run_tool(
      workspace, "mqbench", {"-p", broker.port_text(), "--duration", "1.2", "--rate", "50", "-q", "1"});
  REQUIRE(outcome.exit_code == 0);
  CHECK(contains(outcome.out, "mqbench pubsub: 1 publisher -> 1 subscriber (pairs)"));
  CHECK(contains(outcome.out, "end-to-end"));
  CHECK(contains(outcome.out, "p99.9"));
  CHECK(contains(outcome.out, "errors: 0"));
  CHECK(contains(outcome.err, "mqbench: 2 of 2 clients ready"));
  CHECK(contains(outcome.err, "s measure  2 connected, sent "));
}

TEST_CASE("on a terminal a progress bar shows the ramp, then a line per second") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string command =
      tool_path("mqbench") + " -p " + broker.port_text() + " --rate 20 --ramp 0.6 --duration 1.2";
  const Outcome outcome =
      run(Command{{"script", "-qec", command, "/dev/null"}, {}, {{"TERM", "xterm"}}}, workspace.path());
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.out, "ramping up ["));
  CHECK(contains(outcome.out, "\r"));
  CHECK(contains(outcome.out, "s measure"));
  CHECK(contains(outcome.out, "end-to-end"));
}

TEST_CASE("fan-in: every publisher reaches the one subscriber, fan-out: one publisher reaches all") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json fan_in =
      bench(workspace, broker, {"-c", "4", "--pattern", "fan-in", "--count", "40", "-q", "1"}, "in.json");
  CHECK(fan_in["settings"]["publishers"] == 4);
  CHECK(fan_in["settings"]["subscribers"] == 1);
  CHECK(fan_in["totals"]["received"] == 40);
  CHECK(fan_in["totals"]["lost"] == 0);
  const nlohmann::json fan_out =
      bench(workspace, broker, {"-c", "4", "--pattern", "fan-out", "--count", "10", "-q", "2"}, "out.json");
  CHECK(fan_out["totals"]["sent"] == 10);
  CHECK(fan_out["totals"]["received"] == 40);
  CHECK(fan_out["totals"]["lost"] == 0);
}

TEST_CASE("--warmup messages are sent but not counted, and nothing is lost around them") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json result =
      bench(workspace, broker,
            {"-c", "2", "--rate", "40", "--warmup", "0.3", "--ramp", "0.2", "--duration", "0.5", "-q", "1"});
  const nlohmann::json& totals = result["totals"];
  CHECK(totals["sent"] > 0);
  CHECK(totals["sent"] <= 2 * 40 / 2 + 2);  // half a second at 40/s each: the warm-up is not counted
  CHECK(totals["received"] == totals["sent"]);
  CHECK(totals["lost"] == 0);
  CHECK(totals["measured_s"] == doctest::Approx(0.5));
  CHECK(result["settings"]["warmup_s"] == 0.3);
}

TEST_CASE("pub: --count is spread over the publishers and every QoS 1 message is acknowledged") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json result =
      bench(workspace, broker, {"pub", "-c", "3", "--count", "100", "-q", "1", "-t", "load/%i/data"});
  const nlohmann::json& totals = result["totals"];
  CHECK(result["scenario"] == "pub");
  CHECK(totals["sent"] == 100);
  CHECK(totals["acked"] == 100);
  CHECK(totals["ack_latency_ms"]["count"] == 100);
  CHECK(totals["received"] == 0);
}

TEST_CASE("sub: counts, times and checks what other processes publish") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_tool(workspace, "mqbench",
                               {"sub", "-p", broker.port_text(), "-c", "2", "-t", "bench/#", "-q", "1",
                                "--count", "40", "--json", (workspace / "sub.json").string()});
  REQUIRE(subscriber->wait_for_stderr("2 of 2 clients ready"));
  REQUIRE(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "bench/other", "-m", "hi", "-q", "1"})
              .exit_code == 0);
  const Outcome publisher = run_tool(
      workspace, "mqbench", {"pub", "-p", broker.port_text(), "-t", "bench/%i", "--count", "20", "-q", "1"});
  REQUIRE(publisher.exit_code == 0);
  const Outcome outcome = subscriber->finish();
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.exit_code == 0);
  const nlohmann::json totals = json_file(workspace, "sub.json")["totals"];
  CHECK(totals["received"] == 40);
  CHECK(totals["unrecognized"] == 2);  // each subscriber got the one mqpub message
  CHECK(totals["lost"] == 0);
  CHECK(totals["duplicated"] == 0);
  CHECK(totals["latency_ms"]["count"] == 40);
}

TEST_CASE("conn: opens the connections, holds them, and times the connects") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json result =
      bench(workspace, broker, {"conn", "-c", "25", "--conn-rate", "500", "--hold", "0.2"});
  const nlohmann::json& totals = result["totals"];
  CHECK(result["scenario"] == "conn");
  CHECK(totals["connections"]["attempted"] == 25);
  CHECK(totals["connections"]["connected"] == 25);
  CHECK(totals["connect_latency_ms"]["count"] == 25);
  CHECK(totals["errors"] == 0);
  CHECK(totals["rates"]["connects_per_s"] > 0);
}

TEST_CASE("conn holds until Ctrl-C, then reports and exits 130") {
  Workspace workspace;
  Broker broker{workspace};
  auto bench =
      start_tool(workspace, "mqbench",
                 {"conn", "-p", broker.port_text(), "-c", "3", "--json", (workspace / "held.json").string()});
  REQUIRE(bench->wait_for_stderr("3 of 3 clients ready"));
  bench->signal(SIGINT);
  const Outcome outcome = bench->finish();
  CHECK(outcome.exit_code == 130);
  CHECK(contains(outcome.out, "connections: 3 of 3 made"));
  CHECK(contains(outcome.err, "interrupted by SIGINT"));
  const nlohmann::json result = json_file(workspace, "held.json");
  CHECK(result["interrupted"] == true);
  CHECK(result["totals"]["connections"]["connected"] == 3);
}

TEST_CASE("report re-prints one result and merges several exactly") {
  Workspace workspace;
  Broker broker{workspace};
  const nlohmann::json first = bench(workspace, broker, {"-c", "2", "--count", "100", "-q", "1"}, "a.json");
  const nlohmann::json second = bench(workspace, broker, {"-c", "1", "--count", "50", "-q", "1"}, "b.json");
  const Outcome printed = run_tool(workspace, "mqbench", {"report", (workspace / "a.json").string()});
  CHECK(printed.exit_code == 0);
  CHECK(contains(printed.out, "mqbench pubsub: 2 publishers -> 2 subscribers (pairs)"));

  const Outcome merged = run_tool(workspace, "mqbench",
                                  {"report", (workspace / "a.json").string(), (workspace / "b.json").string(),
                                   "--json", (workspace / "merged.json").string()});
  REQUIRE(merged.exit_code == 0);
  CHECK(contains(merged.out, "2 results merged"));
  const nlohmann::json result = json_file(workspace, "merged.json");
  CHECK(result["sources"] == 2);
  CHECK(result["totals"]["sent"] == 150);
  CHECK(result["totals"]["received"] == 150);
  CHECK(result["histograms"]["latency"]["count"] == 150);
  CHECK(result["totals"]["latency_ms"]["max"] ==
        std::max(first["totals"]["latency_ms"]["max"].get<double>(),
                 second["totals"]["latency_ms"]["max"].get<double>()));
}

TEST_CASE("pubsub at full speed keeps at most -M messages on their way to each subscriber: nothing is lost") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"max_queued_messages 10"};  // QoS 0 beyond the broker's queue is dropped
  Broker broker{workspace, setup};
  const nlohmann::json pairs =
      bench(workspace, broker, {"-c", "2", "--count", "20000", "-q", "0", "-M", "5"}, "pairs.json");
  CHECK(pairs["totals"]["sent"] == 20000);
  CHECK(pairs["totals"]["received"] == 20000);
  CHECK(pairs["totals"]["lost"] == 0);
  CHECK(pairs["totals"]["latency_ms"]["count"] == 20000);
  const nlohmann::json fan_out =
      bench(workspace, broker, {"-c", "3", "--pattern", "fan-out", "--count", "5000", "-q", "0", "-M", "5"},
            "out.json");
  CHECK(fan_out["totals"]["received"] == 15000);
  CHECK(fan_out["totals"]["lost"] == 0);
  const nlohmann::json timed =
      bench(workspace, broker, {"-c", "2", "--duration", "1", "-q", "0"}, "timed.json");
  CHECK(timed["totals"]["sent"] > 0);
  CHECK(timed["totals"]["received"] == timed["totals"]["sent"]);
  CHECK(timed["totals"]["lost"] == 0);
  CHECK(timed["totals"]["rates"]["received_per_s"].get<double>() <= timed["totals"]["sent"].get<double>());
}
