// mqbench --find-max against real brokers: it finds a limit in a bounded number of steps, a
// broker on a slower network has a lower one, a saturated mqbench says so, Ctrl-C keeps what
// was found, and mqbench report prints it again; conn searches the connect rate the same way. No test asserts
// a timing: each checks what the search concluded against what its steps measured, or against a bound the
// network sets.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "harness/broker.hpp"
#include "harness/network.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

BrokerSetup quiet_broker() {
  BrokerSetup setup;
  setup.log_every_packet = false;  // a third of the broker's time otherwise
  return setup;
}

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

// The highest passing step's rate in a --find-max result, or 0.
double limit_of(const nlohmann::json& result) {
  double limit = 0;
  for (const nlohmann::json& step : result["steps"])
    if (step["passed"].get<bool>()) limit = std::max(limit, step["asked_per_s"].get<double>());
  return limit;
}

// Checks what every finished search holds: the limit passed, the lowest failure above it is
// within the precision, and every step below the limit that failed is not what the result says.
void check_converged(const nlohmann::json& result, double precision) {
  const double limit = limit_of(result);
  REQUIRE(limit > 0);
  double lowest_failure = 0;
  for (const nlohmann::json& step : result["steps"]) {
    const double asked = step["asked_per_s"].get<double>();
    if (!step["passed"].get<bool>() && asked > limit && (lowest_failure == 0 || asked < lowest_failure))
      lowest_failure = asked;
  }
  REQUIRE(lowest_failure > limit);
  CHECK(lowest_failure <= limit * (1 + precision) + 1e-9);
}

Outcome find_max(const Workspace& workspace, const Broker& broker, const std::string& scenario,
                 std::vector<std::string> extra) {
  std::vector<std::string> arguments{scenario,          "-p", broker.port_text(), "--find-max",
                                     "--step-duration", "1",  "--precision",      "50"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run_tool(workspace, "mqbench", arguments);
}

}  // namespace

TEST_CASE("mqbench --find-max with a low --fail-p99 finds a limit in a bounded number of steps") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  const Outcome outcome = find_max(workspace, broker, "pubsub",
                                   {"-c", "2", "-q", "1", "--total-rate", "200", "--fail-p99", "20", "--json",
                                    (workspace / "search.json").string()});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  const nlohmann::json result = read_json(workspace / "search.json");
  REQUIRE(result["steps"].is_array());
  CHECK(result["steps"].size() <= 20);
  check_converged(result, 0.5);
  CHECK(result["steps"][0]["asked_per_s"] == 200);
  CHECK(contains(outcome.out, "limit: "));
  CHECK(contains(outcome.out, "above it: at "));
  // The limit's own step met the p99 limit, and the top-level result is that step's.
  CHECK(result["totals"]["latency_ms"]["p99"].get<double>() <= 20);
  CHECK(result["settings"]["find_max"]["precision_percent"] == 50);
  // Each step holds its whole result, histograms included.
  CHECK(result["steps"][0]["result"]["histograms"]["latency"]["count"].get<int>() > 0);
}

TEST_CASE("mqbench --find-max finds a lower limit when the broker's network is slower") {
  Workspace workspace;
  const PrivateNetwork network{workspace};
  Broker broker{workspace, quiet_broker()};
  // 1000-byte messages cross the loopback twice (to the broker, to the subscriber): 8 Mbit/s
  // carries at most about 450 of them a second, 2 Mbit/s about 110.
  const auto limit_at = [&](const std::string& rate, const std::string& file) {
    limit_loopback(workspace, rate);
    const Outcome outcome = find_max(workspace, broker, "pubsub",
                                     {"-c", "2", "-s", "1000", "--total-rate", "50", "--fail-loss", "0",
                                      "--json", (workspace / file).string()});
    REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
    const nlohmann::json result = read_json(workspace / file);
    check_converged(result, 0.5);
    return limit_of(result);
  };
  const double fast = limit_at("8mbit", "fast.json");
  const double slow = limit_at("2mbit", "slow.json");
  CHECK(fast <= 8e6 / 8 / 2000);
  CHECK(slow <= 2e6 / 8 / 2000);
  CHECK(slow < fast);
}

TEST_CASE("mqbench --find-max with one thread for many publishers says it is the load generator's limit") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  const Outcome outcome = find_max(workspace, broker, "pub",
                                   {"-c", "200", "--threads", "1", "-q", "0", "--total-rate", "5000",
                                    "--json", (workspace / "saturated.json").string()});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "limited by the load generator"));
  CHECK(contains(outcome.out, "mqbench saturated"));
  const nlohmann::json result = read_json(workspace / "saturated.json");
  // A failing step that mqbench held back for one of the two reasons mqbench(1) gives: its thread
  // busy 90% of the time, or (on a machine busy with other work, where a starved thread shows as
  // blocked) less than 95% of the asked rate sent while no publisher ever waited for the broker.
  bool saturated_failure = false;
  for (const nlohmann::json& step : result["steps"]) {
    const nlohmann::json& totals = step["result"]["totals"];
    const bool busy = totals["load_generator_busy"].get<double>() >= 0.9;
    const bool behind_on_its_own =
        totals["rates"]["sent_per_s"].get<double>() < 0.95 * step["asked_per_s"].get<double>() &&
        totals["window_full"] == 0;
    saturated_failure |= !step["passed"].get<bool>() && step["load_generator_limited"].get<bool>() &&
                         (busy || behind_on_its_own);
  }
  CHECK(saturated_failure);
}

TEST_CASE("mqbench --find-max stopped by Ctrl-C prints and writes the steps so far and exits 130") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  auto bench = start_tool(workspace, "mqbench",
                          {"pubsub", "-p", broker.port_text(), "-c", "1", "--total-rate", "100", "--find-max",
                           "--step-duration", "1", "--json", (workspace / "cut.json").string()});
  REQUIRE(bench->wait_for_stderr("step 2:", 30s));
  bench->signal(SIGINT);
  const Outcome outcome = bench->finish();
  CHECK(outcome.exit_code == 130);
  CHECK(contains(outcome.out, "limit: 100/s met the service level (so far: the search was interrupted)"));
  const nlohmann::json result = read_json(workspace / "cut.json");
  CHECK(result["interrupted"] == true);
  CHECK(result["steps"].size() == 1);
}

TEST_CASE("mqbench report prints a --find-max result again, as a table and as CSV rows per step") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  const Outcome run = find_max(
      workspace, broker, "pubsub",
      {"-c", "1", "--total-rate", "100", "--fail-rate", "1e9", "--json", (workspace / "none.json").string()});
  // --fail-rate 1e9 fails every step: the search shrinks to the lowest rate and finds nothing.
  REQUIRE(run.exit_code == 11);
  CHECK(contains(run.err, "no rate met the service level"));
  const Outcome report = run_tool(workspace, "mqbench", {"report", (workspace / "none.json").string()});
  CHECK(report.exit_code == 0);
  CHECK(contains(report.out, "find-max steps"));
  CHECK(contains(report.out, "limit: no rate met the service level"));
  const Outcome csv =
      run_tool(workspace, "mqbench", {"report", "--csv", "-", (workspace / "none.json").string()});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out.rfind("step,asked_per_s,", 0) == 0);
  const std::size_t rows = static_cast<std::size_t>(std::count(csv.out.begin(), csv.out.end(), '\n'));
  CHECK(rows == read_json(workspace / "none.json")["steps"].size() + 1);
}

TEST_CASE("mqbench conn --find-max with a low --fail-p99 finds a connect rate limit, each step's connects "
          "per second") {
  Workspace workspace;
  Broker broker{workspace, quiet_broker()};
  const Outcome outcome =
      find_max(workspace, broker, "conn",
               {"--conn-rate", "50", "--fail-p99", "50", "--fail-errors", "0", "--json",
                (workspace / "connects.json").string(), "--csv", (workspace / "connects.csv").string()});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.err, "step 1: 50/s for 1 s, 50 connections"));
  CHECK(contains(outcome.out, "limit: "));
  const nlohmann::json result = read_json(workspace / "connects.json");
  CHECK(result["steps"].size() <= 20);
  CHECK(result["steps"][0]["asked_per_s"] == 50);
  const double limit = limit_of(result);
  REQUIRE(limit > 0);
  // The result is the limit's step: as many fresh connections as its rate for a second, each
  // answered within --fail-p99, at 95% of the rate at least.
  CHECK(result["scenario"] == "conn");
  CHECK(result["settings"]["connections"] == static_cast<std::uint64_t>(std::llround(limit)));
  CHECK(result["totals"]["connect_latency_ms"]["p99"].get<double>() <= 50);
  CHECK(result["totals"]["rates"]["connects_per_s"].get<double>() >= 0.95 * limit);
  for (const nlohmann::json& step : result["steps"]) {
    const nlohmann::json& run = step["result"];
    CHECK(run["totals"]["connections"]["attempted"] ==
          static_cast<std::uint64_t>(std::llround(step["asked_per_s"].get<double>())));
    // Every connect of the step is in its seconds, with their latency.
    std::uint64_t connects = 0;
    for (const nlohmann::json& second : run["series"])
      connects += second["connects"].get<std::uint64_t>();
    CHECK(connects == run["totals"]["connections"]["connected"].get<std::uint64_t>());
    CHECK(run["series"][0]["connect_latency_ms"]["p99"].is_number());
  }
  const std::string csv = read_file(workspace / "connects.csv");
  CHECK(csv.rfind("step,asked_per_s,sent_per_s,acked_per_s,received_per_s,connects_per_s,", 0) == 0);
  // mqbench report prints each step's connects again.
  const Outcome report = run_tool(workspace, "mqbench", {"report", (workspace / "connects.json").string()});
  CHECK(report.exit_code == 0);
  CHECK(contains(report.out, "find-max steps"));
}

TEST_CASE("mqbench conn --find-max on a slow network finds no more connects than the network carries") {
  Workspace workspace;
  const PrivateNetwork network{workspace};
  // A connect and its close cross the loopback as at least ten packets of 66 bytes or more
  // (handshake, CONNECT, CONNACK, DISCONNECT, the closing FINs and their ACKs): 1 Mbit/s, with
  // its 8 kB burst, carries fewer than 222 of them a second.
  limit_loopback(workspace, "1mbit");
  Broker broker{workspace, quiet_broker()};
  const Outcome outcome =
      find_max(workspace, broker, "conn",
               {"--conn-rate", "50", "--fail-errors", "0", "--json", (workspace / "slow.json").string()});
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  const nlohmann::json result = read_json(workspace / "slow.json");
  check_converged(result, 0.5);
  CHECK(limit_of(result) <= (1e6 / 8 + 8192) / 600);
  CHECK(contains(outcome.out, "limited by the broker"));
}

TEST_CASE("mqbench --find-max refuses values that could not end a search, before connecting") {
  Workspace workspace;
  for (const std::vector<std::string>& arguments :
       std::vector<std::vector<std::string>>{{"--find-max", "--precision", "nan"},
                                             {"--find-max", "--precision", "0"},
                                             {"--find-max", "--precision", "-5"},
                                             {"--find-max", "--precision", "1e999"},
                                             {"--find-max", "--step-duration", "0"},
                                             {"--find-max", "--step-duration", "inf"},
                                             {"--find-max", "--duration", "5"},
                                             {"--find-max", "--count", "5"},
                                             {"--precision", "5"},
                                             {"--step-duration", "5"}}) {
    std::vector<std::string> command{"pubsub", "-p", "1"};
    command.insert(command.end(), arguments.begin(), arguments.end());
    const Outcome outcome = run_tool(workspace, "mqbench", command);
    CAPTURE(outcome.err);
    CHECK(outcome.exit_code == 2);
  }
  CHECK(run_tool(workspace, "mqbench", {"sub", "-p", "1", "--find-max"}).exit_code == 2);
  // A conn step opens its rate × --step-duration connections and holds none.
  for (const std::vector<std::string>& arguments :
       std::vector<std::vector<std::string>>{{"--find-max", "-c", "10"},
                                             {"--find-max", "--hold", "5"},
                                             {"--find-max", "--churn", "10"},
                                             {"--find-max", "--precision", "nan"},
                                             {"--step-duration", "5"}}) {
    std::vector<std::string> command{"conn", "-p", "1"};
    command.insert(command.end(), arguments.begin(), arguments.end());
    const Outcome outcome = run_tool(workspace, "mqbench", command);
    CAPTURE(outcome.err);
    CHECK(outcome.exit_code == 2);
    CHECK_FALSE(contains(outcome.err, "asked/s"));  // refused before the step table begins
  }
}
