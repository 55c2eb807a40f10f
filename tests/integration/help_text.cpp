// --help: the options grouped by topic with their defaults, and examples at the end.
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// The "Examples:" section of a --help text, up to the pointer at the manual.
std::string examples_of(const std::string& help) {
  const std::size_t start = help.find("\nExamples:\n");
  const std::size_t end = help.find("\nEvery option, the exit status");
  if (start == std::string::npos || end == std::string::npos || end < start) return {};
  return help.substr(start, end - start);
}

void check_groups(const std::string& help, const std::vector<std::string>& groups) {
  for (const std::string& group : groups) {
    CAPTURE(group);
    CHECK(contains(help, "\n" + group + ":\n"));
  }
}

}  // namespace

TEST_CASE("mqpub --help groups its options by topic, shows defaults and ends with examples") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqpub", {"--help"});
  REQUIRE(outcome.exit_code == 0);
  check_groups(outcome.out, {"Message", "Message source (exactly one)", "Pacing", "MQTT v5 properties",
                             "Connection", "Authentication", "TLS", "Last will", "Diagnostics"});
  // The topic of a message comes before where to send it.
  CHECK(outcome.out.find("\nMessage:\n") < outcome.out.find("\nConnection:\n"));
  CHECK(contains(outcome.out, "-h,--host TEXT [localhost]"));
  CHECK(contains(outcome.out, "-q,--qos INT [0]"));
  CHECK(contains(outcome.out, "[default: 1883, or 8883 with TLS]"));
  const std::string examples = examples_of(outcome.out);
  CHECK(contains(examples, "    mqpub -t firmware/v2 -f image.bin -q 1\n"));
  CHECK(contains(examples, "--probe"));
  CHECK(contains(outcome.out, "described in mqpub(1)."));
}

TEST_CASE("mqsub --help groups its options by topic, shows defaults and ends with examples") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqsub", {"--help"});
  REQUIRE(outcome.exit_code == 0);
  check_groups(outcome.out, {"Subscription", "Output", "MQTT v5 properties", "Connection", "Authentication",
                             "TLS", "Last will", "Diagnostics", "Options files"});
  CHECK(contains(outcome.out, "-k,--keepalive INT [60]"));
  CHECK(contains(outcome.out, "--connect-timeout FLOAT [10]"));
  const std::string examples = examples_of(outcome.out);
  CHECK(contains(examples, "mqsub -t 'sensors/#' --json | jq"));
  CHECK(contains(examples, "mqsub -h broker.example --probe=json | jq -e .connected"));
}

TEST_CASE("mqpasswd --help groups its options and ends with examples") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqpasswd", {"--help"});
  REQUIRE(outcome.exit_code == 0);
  check_groups(outcome.out, {"Like mosquitto_passwd", "Beyond mosquitto_passwd"});
  const std::string examples = examples_of(outcome.out);
  CHECK(contains(examples, "mqpasswd -c /etc/mosquitto/passwd alice"));
  CHECK(contains(examples, "mqpasswd --list --json passwd"));
}

TEST_CASE("mqbench --help ends with examples and each scenario's --help groups its options") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqbench", {"--help"});
  REQUIRE(outcome.exit_code == 0);
  const std::string examples = examples_of(outcome.out);
  CHECK(contains(examples, "--fail-p99 20 --fail-loss 0"));
  CHECK(contains(examples, "mqbench conn -c 10000"));
  for (const std::string scenario : {"pubsub", "pub"}) {
    CAPTURE(scenario);
    const Outcome scenario_help = run_tool(workspace, "mqbench", {scenario, "--help"});
    REQUIRE(scenario_help.exit_code == 0);
    check_groups(scenario_help.out, {"Load", "Messages", "Results", "Connection", "Authentication", "TLS"});
    CHECK(contains(scenario_help.out, "-s,--size INT [100]"));
  }
}
