// Failures to reach a broker: exit code and the words that explain them.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

TEST_CASE("a closed port is 'connection refused' with exit 3, naming host and port") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  for (const std::string tool : {"mqpub", "mqsub"}) {
    CAPTURE(tool);
    std::vector<std::string> arguments{"-h", "127.0.0.1", "-p", port, "-t", "t"};
    if (tool == "mqpub") arguments.insert(arguments.end(), {"-m", "x"});
    const Outcome outcome = run_tool(workspace, tool, arguments);
    CHECK(outcome.exit_code == 3);
    CHECK(contains(outcome.err, tool + ": error: cannot connect to 127.0.0.1:" + port));
    CHECK(contains(outcome.err, "connection refused"));
    CHECK(contains(outcome.err, "fix:"));
  }
}

TEST_CASE("a name that does not resolve is exit 3 and says so") {
  Workspace workspace;
  const Outcome outcome = run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                                             {"-h", "no-such-broker.invalid", "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "cannot resolve the broker's name 'no-such-broker.invalid'"));
}

TEST_CASE("--quiet prints nothing but keeps the exit code") {
  Workspace workspace;
  const Outcome outcome =
      run_tool(workspace, "mqpub", {"-p", std::to_string(free_port()), "-t", "t", "-m", "x", "--quiet"});
  CHECK(outcome.exit_code == 3);
  CHECK(outcome.err == "");
}
