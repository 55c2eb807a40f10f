// What makes an mqbench run succeed or fail: a run that measured nothing fails with the cause,
// some failed clients are counted (and gated with --fail-errors), each gate is recorded in the
// JSON, a --size the broker or MQTT cannot carry is refused, TCP_NODELAY is on by default, and a
// run that needs more than half of the kernel's local ports is warned that connecting slows down.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/network.hpp"
#include "harness/process_sockets.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

nlohmann::json json_file(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

// The TCP_NODELAY of the connections of `mqbench conn -c 3` with `extra` options, while it holds them.
std::vector<int> nodelay_of_bench_connections(const Workspace& workspace, const Broker& broker,
                                              std::vector<std::string> extra) {
  std::vector<std::string> arguments{"conn", "-p", broker.port_text(), "-c", "3"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  auto bench = start_tool(workspace, "mqbench", arguments);
  REQUIRE(bench->wait_for_stderr("3 of 3 clients ready"));
  const std::vector<int> values = nodelay_of_tcp_sockets(bench->pid());
  bench->signal(SIGINT);
  CHECK(bench->finish().exit_code == 130);
  return values;
}

}  // namespace

TEST_CASE("mqbench turns Nagle's algorithm off on every connection unless --nagle, and records it") {
  Workspace workspace;
  Broker broker{workspace};
  CHECK(nodelay_of_bench_connections(workspace, broker, {}) == std::vector<int>{1, 1, 1});
  CHECK(nodelay_of_bench_connections(workspace, broker, {"--nagle"}) == std::vector<int>{0, 0, 0});
  const std::string file = (workspace / "r.json").string();
  REQUIRE(
      run_tool(workspace, "mqbench", {"-p", broker.port_text(), "--count", "10", "--json", file}).exit_code ==
      0);
  CHECK(json_file(file)["settings"]["nodelay"] == true);
  REQUIRE(run_tool(workspace, "mqbench",
                   {"-p", broker.port_text(), "--count", "10", "--no-nodelay", "--json", file})
              .exit_code == 0);
  CHECK(json_file(file)["settings"]["nodelay"] == false);
}

TEST_CASE("no connection made after the check: exit with the refusal's own code and cause") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_after_some, FakeReply{0x87, "", "", 1}};  // the check only
  const std::string file = (workspace / "none.json").string();
  const Outcome outcome = run_tool(
      workspace, "mqbench", {"conn", "-p", broker.port_text(), "-c", "3", "--hold", "0.2", "--json", file});
  CHECK(outcome.exit_code == 5);  // not authorized: authentication, as a single client says
  CHECK(contains(outcome.err, "mqbench: error: none of the 3 connections could be made"));
  CHECK(contains(outcome.err, "(3 of 3 errors)"));
  CHECK(contains(outcome.err, "refused"));
  CHECK(contains(outcome.out, "connections: 0 of 3 made, 3 failed"));
  const nlohmann::json totals = json_file(file)["totals"];
  CHECK(totals["connections"]["failed"] == 3);
  CHECK(totals["errors"] == 3);
}

TEST_CASE("conn without --hold ends when every connection failed, instead of holding nothing") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_after_some, FakeReply{0x87, "", "", 1}};
  const Outcome outcome = run_tool(workspace, "mqbench", {"conn", "-p", broker.port_text(), "-c", "2"});
  CHECK(outcome.exit_code == 5);
  CHECK(contains(outcome.err, "none of the 2 connections could be made"));
}

TEST_CASE("pubsub whose clients are all refused exits with the cause, not 0 with nothing measured") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_after_some, FakeReply{0x9F, "", "", 1}};
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"-p", broker.port_text(), "-c", "2", "--count", "10"});
  CHECK(outcome.exit_code == 7);  // connection rate exceeded: a protocol refusal
  CHECK(contains(outcome.err, "none of the 4 connections could be made"));
  CHECK(contains(outcome.err, "connection rate exceeded"));
}

TEST_CASE("some clients refused: the summary and the JSON count them, --fail-errors gates on them") {
  Workspace workspace;
  const auto run_against_fake = [&](std::vector<std::string> extra) {
    FakeBroker broker{FakeBehaviour::refuse_after_some, FakeReply{0x87, "", "", 2}};  // the check, 1 client
    std::vector<std::string> arguments{"conn", "-p",     broker.port_text(),
                                       "-c",   "3",      "--hold",
                                       "0.2",  "--json", (workspace / "some.json").string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_tool(workspace, "mqbench", arguments);
  };
  const Outcome counted = run_against_fake({});
  CHECK(counted.exit_code == 0);
  CHECK(contains(counted.out, "connections: 1 of 3 made, 2 failed"));
  CHECK(contains(counted.err, "mqbench: warning: 2 errors during the run, 2 of 3 connections failed"));
  nlohmann::json result = json_file(workspace / "some.json");
  CHECK(result["totals"]["connections"]["failed"] == 2);
  CHECK(result["totals"]["errors_by_cause"].size() == 1);
  CHECK(result["gates"] == nlohmann::json::array());

  const Outcome gated = run_against_fake({"--fail-errors", "1", "--quiet"});
  CHECK(gated.exit_code == 11);
  CHECK(gated.err == "");
  result = json_file(workspace / "some.json");
  REQUIRE(result["gates"].size() == 1);
  CHECK(result["gates"][0]["option"] == "--fail-errors");
  CHECK(result["gates"][0]["limit"] == 1);
  CHECK(result["gates"][0]["value"] == 2);
  CHECK(result["gates"][0]["passed"] == false);

  const Outcome allowed = run_against_fake({"--fail-errors", "2"});
  CHECK(allowed.exit_code == 0);
  CHECK(json_file(workspace / "some.json")["gates"][0]["passed"] == true);
}

TEST_CASE("the JSON records each --fail-* gate, its limit, its value and whether it passed") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string file = (workspace / "gates.json").string();
  const Outcome outcome =
      run_tool(workspace, "mqbench",
               {"-p", broker.port_text(), "--count", "50", "-q", "1", "--quiet", "--json", file, "--fail-p99",
                "0.000001", "--fail-loss", "0", "--fail-rate", "1", "--fail-errors", "0"});
  CHECK(outcome.exit_code == 11);
  CHECK(outcome.err == "");
  const nlohmann::json gates = json_file(file)["gates"];
  REQUIRE(gates.size() == 4);
  CHECK(gates[0]["option"] == "--fail-p99");
  CHECK(gates[0]["limit"] == 0.000001);
  CHECK(gates[0]["unit"] == "ms");
  CHECK(gates[0]["value"] > 0.000001);
  CHECK(gates[0]["passed"] == false);
  CHECK(gates[1]["option"] == "--fail-loss");
  CHECK(gates[1]["value"] == 0);
  CHECK(gates[1]["passed"] == true);
  CHECK(gates[2]["option"] == "--fail-rate");
  CHECK(gates[2]["unit"] == "received/s");
  CHECK(gates[2]["passed"] == true);
  CHECK(gates[3]["option"] == "--fail-errors");
  CHECK(gates[3]["passed"] == true);
  CHECK(contains(outcome.out, "\ngates\n  FAILED  the p99 latency "));

  const Outcome printed = run_tool(workspace, "mqbench", {"report", file});
  CHECK(printed.exit_code == 0);  // a report checks only its own --fail-* options
  CHECK(contains(printed.out, "  FAILED  the p99 latency "));
  const std::string again = (workspace / "again.json").string();
  CHECK(run_tool(workspace, "mqbench", {"report", file, "--fail-loss", "0", "--json", again}).exit_code == 0);
  REQUIRE(json_file(again)["gates"].size() == 1);
  CHECK(json_file(again)["gates"][0]["option"] == "--fail-loss");
}

TEST_CASE("sub that receives nothing within --duration exits 8 and says so") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string file = (workspace / "quiet.json").string();
  const Outcome outcome =
      run_tool(workspace, "mqbench",
               {"sub", "-p", broker.port_text(), "-t", "nobody/#", "--duration", "0.5", "--json", file});
  CHECK(outcome.exit_code == 8);
  CHECK(contains(outcome.err, "mqbench: error: no message arrived"));
  CHECK(contains(outcome.err, "nothing was published on 'nobody/#' in the 0.5 s of --duration"));
  CHECK(json_file(file)["totals"]["received"] == 0);
}

TEST_CASE("pub whose messages are never acknowledged exits 9") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::never_acknowledge};
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"pub", "-p", broker.port_text(), "--count", "5", "-q", "1"});
  CHECK(outcome.exit_code == 9);
  CHECK(contains(outcome.err, "none of the 5 messages sent was acknowledged"));
}

TEST_CASE("pub whose QoS 1 publishes the broker refuses exits 6 with the broker's reason") {
  Workspace workspace;
  BrokerSetup setup;
  setup.acl = "topic read mqbench/#\n";  // over MQTT v5, a refused QoS 1 publish is a PUBACK 0x87
  Broker broker{workspace, setup};
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"pub", "-p", broker.port_text(), "--count", "5", "-q", "1"});
  CHECK(outcome.exit_code == 6);
  CHECK(contains(outcome.out, "acknowledged                0"));
  CHECK(contains(outcome.out, "the broker refused publishes (not authorized, reason code 0x87)"));
  CHECK(contains(outcome.err,
                 "mqbench: error: none of the 5 messages sent was acknowledged\n"
                 "  cause: the broker refused publishes (not authorized, reason code 0x87) (5 of 5 "
                 "errors)\n"
                 "  fix: allow the publishers' topics in the broker's ACL\n"));
}

TEST_CASE("sub whose subscription the broker denies exits 6, naming the filter and the reason") {
  Workspace workspace;
  BrokerSetup setup;
  setup.users = {{"alice", "wonderland"}};
  setup.anonymous = false;
  setup.denied_subscriptions = {"secret/#"};
  Broker broker{workspace, setup};
  const Outcome outcome = run_tool(workspace, "mqbench",
                                   {"sub", "-p", broker.port_text(), "-u", "alice", "-P", "wonderland", "-t",
                                    "secret/#", "--duration", "5"});
  CHECK(outcome.exit_code == 6);
  CHECK(contains(outcome.out,
                 "the broker refused the subscription to 'secret/#' (not authorized, reason code "
                 "0x87)"));
  CHECK(contains(outcome.err, "mqbench: 0 of 1 clients ready"));
  CHECK(contains(outcome.err, ", 1 failed (see the errors at the end)\n"));
  CHECK(contains(outcome.err, "  cause: the broker refused the subscription to 'secret/#' (not authorized, "
                              "reason code 0x87) (1 of 1 errors)\n"));
}

TEST_CASE("pubsub whose messages the broker drops exits 8, naming what was sent") {
  Workspace workspace;
  BrokerSetup setup;
  setup.acl = "topic read mqbench/#\n";  // QoS 0 publishes the ACL denies are dropped silently
  Broker broker{workspace, setup};
  const Outcome outcome = run_tool(workspace, "mqbench", {"-p", broker.port_text(), "--count", "20"});
  CHECK(outcome.exit_code == 8);
  CHECK(contains(outcome.err, "none of the 20 messages sent arrived"));
  CHECK(contains(outcome.err, "ACL"));
}

TEST_CASE("--size over what MQTT allows is refused before connecting, naming the limit") {
  Workspace workspace;
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"-p", std::to_string(free_port()), "-s", "268435455", "-q", "1"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--size 268435455 is more than MQTT allows in one message"));
  CHECK(contains(outcome.err, "268,435,455 bytes"));
  CHECK(contains(outcome.err, "give -s 268435442 or less"));
  CHECK(outcome.out == "");
}

TEST_CASE("--size over the broker's maximum packet size: refused before the load over MQTT v5") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"max_packet_size 1000"};
  Broker broker{workspace, setup};
  const Outcome outcome = run_tool(workspace, "mqbench", {"pub", "-p", broker.port_text(), "-s", "2000"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--size 2000 is more than the broker at localhost:" + broker.port_text() +
                                  " accepts: its maximum packet size is 1,000 bytes"));
  CHECK(contains(outcome.err, "give -s 985 or less"));
  CHECK(outcome.out == "");
  CHECK(run_tool(workspace, "mqbench", {"pub", "-p", broker.port_text(), "-s", "985", "--count", "5"})
            .exit_code == 0);
}

TEST_CASE("--size over the broker's limit over MQTT v3.1.1: the closed connections are explained") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"max_packet_size 1000"};
  Broker broker{workspace, setup};
  const Outcome outcome = run_tool(
      workspace, "mqbench", {"-p", broker.port_text(), "-V", "311", "-s", "2000", "--count", "5", "-q", "1"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "closed a publisher's connection right after its first message"));
  CHECK(contains(outcome.err, "max_packet_size"));
  CHECK(contains(outcome.err, "try a smaller -s"));
}

TEST_CASE("mqbench warns when its connections need more than half of the kernel's local ports, and how to "
          "widen them") {
  Workspace workspace;
  const PrivateNetwork network{workspace};  // its own net.ipv4.ip_local_port_range
  const std::filesystem::path port_range{"/proc/sys/net/ipv4/ip_local_port_range"};
  std::ofstream{port_range} << "40000 40999\n";
  REQUIRE(read_file(port_range) == "40000\t40999\n");
  Broker broker{workspace};
  const auto connect = [&](const std::string& clients) {
    return run_tool(workspace, "mqbench", {"conn", "-p", broker.port_text(), "-c", clients, "--hold", "0"});
  };
  const Outcome within = connect("500");
  CHECK(within.exit_code == 0);
  CHECK_FALSE(contains(within.err, "local ports"));
  const Outcome beyond = connect("501");
  CHECK(beyond.exit_code == 0);
  CHECK(contains(beyond.err,
                 "mqbench: warning: 501 connections from one local address to one broker address use "
                 "more than half of the kernel's 1000 local ports"));
  CHECK(contains(beyond.err, "sysctl -w net.ipv4.ip_local_port_range='1024 65535'"));
  const Outcome past_the_range = connect("1100");  // failed connections are counted (--fail-errors)
  CHECK(contains(past_the_range.err, "connections failed, the most common: cannot connect to localhost:" +
                                         broker.port_text() + " (no local port is free to connect from"));
}
