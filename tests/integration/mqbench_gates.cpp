// mqbench's loss detection, --fail-* gates, TLS and passwords, and its usage errors.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// A broker that drops QoS 0 messages for a subscriber as soon as ten wait to be written to it.
BrokerSetup lossy_broker() {
  BrokerSetup setup;
  setup.extra_lines = {"max_queued_messages 10"};
  return setup;
}

// Runs pubsub at QoS 1 while another client takes over the subscriber's client id, so the
// broker drops our subscriber and the rest of the publisher's messages never arrive. 600
// messages at 200/s take 3 s; mqbench is frozen after its first second of measuring while the
// takeover happens, so messages are left to send after it however slowly the takeover comes.
Outcome pubsub_losing_its_subscriber(const Workspace& workspace, const Broker& broker,
                                     std::vector<std::string> extra) {
  std::vector<std::string> arguments{"-p",      broker.port_text(),
                                     "-i",      "bench-%i",
                                     "--rate",  "200",
                                     "--count", "600",
                                     "-q",      "1",
                                     "--json",  (workspace / "kicked.json").string()};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  auto bench = start_tool(workspace, "mqbench", arguments);
  REQUIRE(bench->wait_for_stderr("2 of 2 clients ready"));
  REQUIRE(bench->wait_for_stderr("s measure"));
  bench->signal(SIGSTOP);
  run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-i", "bench-0", "-t", "elsewhere", "-W", "0.2"});
  bench->signal(SIGCONT);
  return bench->finish();
}

}  // namespace

TEST_CASE("a subscriber with a tiny queue at QoS 0 loses messages, and the gaps are counted as lost") {
  Workspace workspace;
  Broker broker{workspace, lossy_broker()};
  auto subscriber = start_tool(workspace, "mqbench",
                               {"sub", "-p", broker.port_text(), "-t", "bench/#", "--duration", "120",
                                "--json", (workspace / "lossy.json").string()});
  REQUIRE(subscriber->wait_for_stderr("1 of 1 clients ready"));
  subscriber->signal(SIGSTOP);  // its socket fills up, then the broker's queue of ten
  auto publisher = start_tool(workspace, "mqbench",
                              {"pub", "-p", broker.port_text(), "-t", "bench/%i", "--rate", "500", "--count",
                               "1500", "-s", "50000", "-q", "0"});
  // A second of publishing (25 MB) while the subscriber is frozen, then two more seconds whose
  // messages arrive after the gap; the subscriber is stopped once they all were published.
  REQUIRE(publisher->wait_for_stderr("s measure"));
  subscriber->signal(SIGCONT);
  CHECK(publisher->finish().exit_code == 0);
  subscriber->signal(SIGINT);
  const Outcome outcome = subscriber->finish();
  REQUIRE(outcome.exit_code == 130);
  const nlohmann::json totals = nlohmann::json::parse(read_file(workspace / "lossy.json"))["totals"];
  CHECK(totals["lost"] > 0);
  CHECK(totals["received"].get<int>() + totals["lost"].get<int>() <= 1500);
  CHECK(totals["duplicated"] == 0);
  CHECK(contains(outcome.out, "lost"));
}

TEST_CASE("pubsub counts every message its subscriber did not get, and why") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = pubsub_losing_its_subscriber(workspace, broker, {});
  REQUIRE(outcome.exit_code == 0);
  const nlohmann::json totals = nlohmann::json::parse(read_file(workspace / "kicked.json"))["totals"];
  CHECK(totals["lost"] > 0);
  CHECK(totals["received"].get<int>() + totals["lost"].get<int>() == totals["sent"].get<int>());
  CHECK(totals["acked"] == totals["sent"]);
  CHECK(totals["errors"] == 1);
  CHECK(contains(outcome.out, "the connection to localhost:" + broker.port_text() + " was lost"));
}

TEST_CASE("--fail-loss exits 11 when messages were lost, after writing the results") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = pubsub_losing_its_subscriber(workspace, broker, {"--fail-loss", "0.1%"});
  CHECK(outcome.exit_code == 11);
  CHECK(contains(outcome.err, "mqbench: error: "));
  CHECK(contains(outcome.err, "expected messages were lost, more than --fail-loss 0.1%"));
  CHECK(contains(outcome.out, "lost"));
  CHECK(nlohmann::json::parse(read_file(workspace / "kicked.json"))["totals"]["lost"] > 0);
}

TEST_CASE("--fail-p99 and --fail-rate exit 11 when not met, 0 when met") {
  Workspace workspace;
  Broker broker{workspace};
  const std::vector<std::string> run{"-p", broker.port_text(), "--count", "50", "-q", "1"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> arguments = run;
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_tool(workspace, "mqbench", arguments);
  };
  const Outcome slow = with({"--fail-p99", "0.000001"});
  CHECK(slow.exit_code == 11);
  CHECK(contains(slow.err, "is above --fail-p99 1e-06"));
  const Outcome few = with({"--fail-rate", "1e11"});
  CHECK(few.exit_code == 11);
  CHECK(contains(few.err, "the received rate"));
  CHECK(contains(few.err, "is below --fail-rate"));
  const Outcome both = with({"--fail-rate", "1e11", "--fail-p99", "0.000001"});
  CHECK(both.exit_code == 11);
  CHECK(contains(both.err, "2 --fail-* limits were not met"));
  CHECK(with({"--fail-p99", "60000", "--fail-loss", "0", "--fail-rate", "1"}).exit_code == 0);
}

TEST_CASE("--fail-* gates apply to merged reports too") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string file = (workspace / "r.json").string();
  REQUIRE(
      run_tool(workspace, "mqbench", {"-p", broker.port_text(), "--count", "20", "-q", "1", "--json", file})
          .exit_code == 0);
  CHECK(run_tool(workspace, "mqbench", {"report", file, file, "--fail-loss", "0"}).exit_code == 0);
  const Outcome gated = run_tool(workspace, "mqbench", {"report", file, "--fail-rate", "1e12"});
  CHECK(gated.exit_code == 11);
  CHECK(contains(gated.err, "is below --fail-rate"));
}

TEST_CASE("the load runs over TLS with --cafile") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};
  const std::string file = (workspace / "tls.json").string();
  const Outcome outcome =
      run_tool(workspace, "mqbench",
               {"-p", broker.tls_port_text(), "--cafile", broker.certificates().ca.string(), "-c", "3",
                "--count", "60", "-q", "1", "--json", file});
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.exit_code == 0);
  const nlohmann::json result = nlohmann::json::parse(read_file(file));
  CHECK(result["settings"]["tls"] == true);
  CHECK(result["totals"]["received"] == 60);
  CHECK(result["totals"]["connections"]["connected"] == 6);
  CHECK(contains(outcome.out, "(TLS)"));
}

TEST_CASE("an untrusted certificate is reported once, before any load, with exit 4") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};
  const Certificates other = make_certificates_of_another_ca(workspace / "other");
  const Outcome outcome =
      run_tool(workspace, "mqbench",
               {"conn", "-p", broker.tls_port_text(), "--cafile", other.ca.string(), "-c", "50"});
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "not signed by a CA trusted by --cafile"));
  CHECK(outcome.out == "");
}

TEST_CASE("username and password log every client in, a wrong password is exit 5 before any load") {
  Workspace workspace;
  BrokerSetup setup;
  setup.anonymous = false;
  setup.users = {{"alice", "wonderland"}};
  Broker broker{workspace, setup};
  const Outcome good = run_tool(
      workspace, "mqbench", {"-p", broker.port_text(), "-u", "alice", "--count", "30", "-c", "2", "-q", "1"},
      {}, {{"MQ_PASSWORD", "wonderland"}});
  INFO("stderr: " << good.err);
  CHECK(good.exit_code == 0);
  CHECK(contains(good.out, "connections: 4 of 4 made"));
  const Outcome wrong =
      run_tool(workspace, "mqbench", {"-p", broker.port_text(), "-u", "alice", "-P", "nope", "-c", "20"});
  CHECK(wrong.exit_code == 5);
  CHECK(contains(wrong.err, "refused the login"));
  CHECK(wrong.out == "");
}

TEST_CASE("a broker that is not there is exit 3, said once") {
  Workspace workspace;
  const Outcome outcome =
      run_tool(workspace, "mqbench", {"pub", "-p", std::to_string(free_port()), "-c", "10"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "connection refused"));
}

TEST_CASE("mqbench usage errors exit 2 and name the option") {
  struct Case {
    std::vector<std::string> arguments;
    std::string named;
  };
  const std::vector<Case> cases{
      {{"-c", "2", "-i", "same"}, "-i 'same' would give all 4 clients the same id"},
      {{"-s", "10"}, "--size"},
      {{"-t", "bench/%x"}, "--topic 'bench/%x' has an unknown '%x'"},
      {{"-t", "bench/#"}, "--topic"},
      {{"sub", "-t", "a/#/b"}, "--topic"},
      {{"--fail-loss", "lots"}, "--fail-loss 'lots' is not a message count or a percentage"},
      {{"--rate", "5", "--total-rate", "10"}, "--total-rate"},
      {{"--count", "5", "--duration", "1"}, "--duration"},
      {{"--pattern", "ring"}, "--pattern"},
      {{"--user-property", "novalue"}, "--user-property 'novalue' is not NAME=VALUE"},
      {{"-V", "311", "--message-expiry", "5"}, "need MQTT v5"},
      {{"conn", "--count", "5"}, "--count"},
      {{"report"}, "mqbench report needs result files, or --collect"},
      {{"report", "/nonexistent/result.json"}, "cannot read '/nonexistent/result.json'"},
      {{"nonsense"}, "nonsense"},
  };
  Workspace workspace;
  for (const Case& example : cases) {
    CAPTURE(example.arguments);
    std::vector<std::string> arguments = example.arguments;
    arguments.insert(arguments.end(), {"-p", std::to_string(free_port())});
    if (example.arguments.front() == "report") arguments.resize(example.arguments.size());
    const Outcome outcome = run_tool(workspace, "mqbench", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "mqbench: error:"));
    CHECK(contains(outcome.err, example.named));
    CHECK(outcome.out == "");
  }
}

TEST_CASE("report refuses a file that is not an mqbench result, naming it") {
  Workspace workspace;
  const auto garbage = workspace.write("garbage.json", "{\"schema\": 3");
  const Outcome broken = run_tool(workspace, "mqbench", {"report", garbage.string()});
  CHECK(broken.exit_code == 2);
  CHECK(contains(broken.err, "mqbench: error: '" + garbage.string() +
                                 "' is not an mqbench result: it is not valid JSON\n"));
  const auto empty = workspace.write("empty.json", "\n");
  CHECK(run_tool(workspace, "mqbench", {"report", empty.string()}).err ==
        "mqbench: error: '" + empty.string() +
            "' is not an mqbench result: it is empty\n"
            "  fix: give files written by mqbench --json ('mqbench --help' lists the options)\n");
  const Outcome directory = run_tool(workspace, "mqbench", {"report", workspace.path().string()});
  CHECK(directory.exit_code == 2);
  CHECK(contains(directory.err, "cannot read '" + workspace.path().string() + "': it is a directory\n"));
  const auto other = workspace.write("other.json", "{\"schema\": \"something-else\"}");
  const Outcome wrong = run_tool(workspace, "mqbench", {"report", other.string()});
  CHECK(wrong.exit_code == 2);
  CHECK(contains(wrong.err, "is not an mqbench result"));
}

TEST_CASE("an unwritable --json path is exit 10 before the load starts") {
  Workspace workspace;
  const Outcome outcome = run_tool(
      workspace, "mqbench", {"-p", std::to_string(free_port()), "--json", "/nonexistent/dir/result.json"});
  CHECK(outcome.exit_code == 10);
  CHECK(contains(outcome.err, "cannot write the results to '/nonexistent/dir/result.json'"));
}
