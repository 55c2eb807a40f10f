// A run split over processes (--shard), started together (--barrier), its results gathered
// through the broker (--publish-result, report --collect): against a real mosquitto, on machines
// simulated with network namespaces or loopback source addresses.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <regex>
#include <set>

#include "harness/broker.hpp"
#include "harness/hosts.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

nlohmann::json json_file(const Workspace& workspace, const std::string& name) {
  return nlohmann::json::parse(read_file(workspace / name));
}

std::vector<std::string> joined(std::vector<std::string> words, const std::vector<std::string>& more) {
  words.insert(words.end(), more.begin(), more.end());
  return words;
}

// mqbench with `arguments`, run by `wrap` (a simulated host, or as it is).
Command mqbench(const std::vector<std::string>& arguments) {
  return Command{joined({tool_path("mqbench")}, arguments), {}, {}};
}

// The client ids the broker's log says connected from each address, in the log's lines after
// `from_line`.
std::map<std::string, std::multiset<std::string>> connections_by_address(const std::string& log) {
  static const std::regex connected{R"(New client connected from ([0-9.]+):[0-9]+ as ([^ ]+) )"};
  std::map<std::string, std::multiset<std::string>> ids;
  for (std::sregex_iterator match{log.begin(), log.end(), connected}, end; match != end; ++match)
    ids[(*match)[1]].insert((*match)[2]);
  return ids;
}

// The counts that must be the same in the collected result of a sharded run and in one
// process's run of the same load.
void check_same_counts(const nlohmann::json& collected, const nlohmann::json& single) {
  for (const char* count : {"sent", "acked", "received", "lost", "duplicated", "reordered", "errors"}) {
    CAPTURE(count);
    CHECK(collected["totals"][count] == single["totals"][count]);
  }
  CHECK(collected["totals"]["connections"]["attempted"] == single["totals"]["connections"]["attempted"]);
  CHECK(collected["totals"]["connections"]["connected"] == single["totals"]["connections"]["connected"]);
  CHECK(collected["totals"]["latency_ms"]["count"] == single["totals"]["latency_ms"]["count"]);
  CHECK(collected["histograms"]["latency"]["count"] == single["histograms"]["latency"]["count"]);
  CHECK(collected["description"] == single["description"]);
  CHECK(collected["settings"]["publishers"] == single["settings"]["publishers"]);
  CHECK(collected["settings"]["count"] == single["settings"]["count"]);
}

// The shards' processes, each waiting at the barrier for the others and exiting 0.
void finish_shards(std::vector<std::unique_ptr<Process>>& shards) {
  for (auto& shard : shards) {
    const Outcome outcome = shard->finish();
    INFO("stderr: " << outcome.err);
    CHECK(outcome.exit_code == 0);
    CHECK(contains(outcome.err, "waiting for the others at the barrier"));
  }
}

}  // namespace

TEST_CASE(
    "three shards on three simulated hosts start at the barrier, and collected they are one process's run") {
  Workspace workspace;
  SimulatedHosts hosts{workspace, 3};
  BrokerSetup setup;
  setup.address = hosts.hub_address();
  std::optional<Broker> broker;
  hosts.in_hub([&] { broker.emplace(workspace, setup); });
  const std::vector<std::string> load{
      "pubsub", "-h",  hosts.hub_address(), "-p", broker->port_text(), "-c", "6", "--count", "600", "-q", "1",
      "-I",     "sim-"};

  std::vector<std::unique_ptr<Process>> shards;
  for (int k = 1; k <= 3; ++k) {
    const std::string index = std::to_string(k);
    shards.push_back(std::make_unique<Process>(
        hosts.inside(k, mqbench(joined(load, {"--shard", index + "/3", "--run-id", "sim-1", "--barrier",
                                              "--barrier-timeout", "50", "--publish-result", "--json",
                                              (workspace / ("shard-" + index + ".json")).string()}))),
        workspace.path()));
  }
  finish_shards(shards);
  const std::string sharded_log = broker->log();

  const Outcome collected =
      run(hosts.inside(0, mqbench({"report", "--collect", "-h", hosts.hub_address(), "-p",
                                   broker->port_text(), "--run-id", "sim-1", "--shards", "3", "--json",
                                   (workspace / "collected.json").string()})),
          workspace.path());
  INFO("collector's stderr: " << collected.err);
  REQUIRE(collected.exit_code == 0);
  const Outcome single =
      run(hosts.inside(1, mqbench(joined(load, {"--json", (workspace / "single.json").string()}))),
          workspace.path());
  REQUIRE(single.exit_code == 0);

  const nlohmann::json merged = json_file(workspace, "collected.json"),
                       one = json_file(workspace, "single.json");
  check_same_counts(merged, one);
  CHECK(merged["totals"]["sent"] == 600);
  CHECK(merged["totals"]["received"] == 600);
  CHECK(merged["totals"]["lost"] == 0);
  CHECK(merged["totals"]["duplicated"] == 0);
  CHECK(merged["run"]["id"] == "sim-1");
  CHECK(json_file(workspace, "shard-2.json")["run"]["shard"] == "2/3");
  CHECK(json_file(workspace, "shard-2.json")["totals"]["sent"] == 200);

  // Each shard connected its own four clients from its own host (and its first client once more,
  // to check the broker before the load); no id from two hosts, none taken over.
  const auto ids = connections_by_address(sharded_log);
  std::set<std::string> all;
  std::size_t per_host = 0;
  for (int k = 1; k <= 3; ++k) {
    std::set<std::string> from_host;
    for (const std::string& id : ids.at(hosts.address(k)))
      if (id.starts_with("sim-")) from_host.insert(id);
    CHECK(from_host.size() == 4);
    per_host += from_host.size();
    all.insert(from_host.begin(), from_host.end());
  }
  CHECK(all.size() == 12);
  CHECK(per_host == all.size());
  CHECK_FALSE(contains(sharded_log, "already connected"));
}

TEST_CASE("fan-in over shards on loopback source addresses: loss counted across shards, results cleared") {
  Workspace workspace;
  Broker broker{workspace};
  const std::vector<std::string> load{
      "pubsub",       "-p",  broker.port_text(), "-c",  "4",  "--pattern", "fan-in",
      "--total-rate", "400", "--count",          "200", "-q", "1"};
  std::vector<std::unique_ptr<Process>> shards;
  for (int k = 1; k <= 2; ++k) {
    const std::string index = std::to_string(k);
    shards.push_back(
        start_tool(workspace, "mqbench",
                   joined(load, {"-A", "127.0.0." + std::to_string(k + 1), "--shard", index + "/2",
                                 "--run-id", "fan-1", "--barrier", "--publish-result"})));
  }
  finish_shards(shards);
  const std::vector<std::string> collect{"report", "--collect", "-p", broker.port_text(), "--run-id",
                                         "fan-1",  "--shards",  "2",  "--timeout",        "5"};
  const Outcome kept = run_tool(workspace, "mqbench", joined(collect, {"--keep"}));
  INFO("stderr: " << kept.err);
  REQUIRE(kept.exit_code == 0);
  CHECK(contains(kept.out, "mqbench pubsub: 4 publishers -> 1 subscriber (fan-in)"));
  const Outcome collected = run_tool(workspace, "mqbench", joined(collect, {"--json", "-"}));
  REQUIRE(collected.exit_code == 0);
  const nlohmann::json merged = nlohmann::json::parse(collected.out);
  CHECK(merged["totals"]["sent"] == 200);
  CHECK(merged["totals"]["received"] == 200);
  CHECK(merged["totals"]["lost"] == 0);
  CHECK(merged["totals"]["duplicated"] == 0);

  const auto ids = connections_by_address(broker.log());
  CHECK(ids.contains("127.0.0.2"));
  CHECK(ids.contains("127.0.0.3"));

  // The collector cleared the retained results: nothing is left to collect.
  const Outcome again = run_tool(workspace, "mqbench", joined(collect, {"--timeout", "1"}));
  CHECK(again.exit_code == 8);
  CHECK(contains(again.err, "0 of 2 shards' results of run 'fan-1' arrived within --timeout 1 s"));
  CHECK(contains(again.err, "shards 1, 2 published nothing on 'mqbench/_run/fan-1/result/+'"));
}

TEST_CASE("a shard that never shows up ends the barrier after --barrier-timeout with exit 3") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome alone = run_tool(workspace, "mqbench",
                                 {"pub", "-p", broker.port_text(), "-c", "2", "--count", "10", "--shard",
                                  "1/2", "--run-id", "alone-1", "--barrier", "--barrier-timeout", "1"});
  CHECK(alone.exit_code == 3);
  CHECK(contains(alone.err, "mqbench: error: 1 of 2 shards were ready within --barrier-timeout 1 s"));
  CHECK(contains(alone.err, "shard 2 never announced itself on 'mqbench/_run/alone-1/ready/+'"));
  CHECK(contains(alone.err, "fix: start every shard"));
  // It withdrew its announcement: the other shard alone does not pass the barrier either.
  const Outcome other = run_tool(workspace, "mqbench",
                                 {"pub", "-p", broker.port_text(), "-c", "2", "--count", "10", "--shard",
                                  "2/2", "--run-id", "alone-1", "--barrier", "--barrier-timeout", "1"});
  CHECK(other.exit_code == 3);
  CHECK(contains(other.err, "shard 1 never announced itself"));
}

TEST_CASE("a shard takes K from JOB_COMPLETION_INDEX with MQBENCH_SHARDS, and --start-at starts it") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome second = run_tool(workspace, "mqbench",
                                  {"pub", "-p", broker.port_text(), "-c", "3", "--count", "10", "--run-id",
                                   "job-1", "--start-at", "1", "--json", "-"},
                                  std::nullopt, {{"MQBENCH_SHARDS", "2"}, {"JOB_COMPLETION_INDEX", "1"}});
  INFO("stderr: " << second.err);
  REQUIRE(second.exit_code == 0);
  const nlohmann::json result = nlohmann::json::parse(second.out);
  CHECK(result["run"]["shard"] == "2/2");
  CHECK(result["totals"]["sent"] == 6);  // publishers 1 and 2, 3 each; publisher 0 (shard 1) sends 4
  CHECK(contains(second.err, "the time of --start-at has passed: starting now"));
}

TEST_CASE("sharded runs refuse what would not make one run") {
  Workspace workspace;
  const auto refusal = [&](const std::vector<std::string>& arguments) {
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    CHECK(outcome.exit_code == 2);
    return outcome.err;
  };
  CHECK(contains(refusal({"--shard", "2/3"}), "shard 2/3 needs --run-id"));
  CHECK(contains(refusal({"--shard", "2"}), "--shard '2' is not K/N"));
  CHECK(contains(refusal({"--run-id", "a/b"}), "--run-id 'a/b' cannot name a run"));
  CHECK(contains(refusal({"--start-at", "soon"}), "--start-at 'soon' is not a time"));
  CHECK(contains(refusal({"--find-max", "--barrier"}), "--find-max cannot be split over shards"));
  CHECK(contains(refusal({"report", "--collect", "--shards", "2"}), "report --collect needs the --run-id"));
  CHECK(contains(refusal({"report"}), "mqbench report needs result files, or --collect"));
  CHECK(contains(refusal({"--run-prefix", "x", "--barrier"}), "--run-prefix 'x' does not end in '/'"));
}
