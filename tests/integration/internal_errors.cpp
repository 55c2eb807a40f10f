// Exit 1: a failure that is nobody's fault but the tool's (or its libraries'), produced by
// preloading a library that makes libmosquitto's mosquitto_new fail as it does out of memory.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

TEST_CASE("a libmosquitto call failing inside a tool is exit 1, an internal error saying what failed") {
  Workspace workspace;
  Broker broker{workspace};
  const std::map<std::string, std::string> failing_mosquitto_new{
      {"LD_PRELOAD", MQ_FAULT_MOSQUITTO_NEW_FAILS}};
  const std::string port = broker.port_text();
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs{
      {"mqpub", {"-p", port, "-t", "t", "-m", "x"}},
      {"mqsub", {"-p", port, "-t", "t", "-C", "1"}},
      {"mqbench", {"pub", "-p", port, "--count", "1"}}};
  for (const auto& run : runs) {
    const std::string& tool = run.first;
    CAPTURE(tool);
    const Outcome outcome = run_tool(workspace, tool, run.second, {}, failing_mosquitto_new);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.err ==
          tool + ": error: libmosquitto could not create a client\n  cause: Cannot allocate memory\n");
  }
}
