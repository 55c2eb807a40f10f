// Every tool that prints: a standard output that refuses the data (/dev/full, a full disk) is
// exit 10 with the cause, never a success with the output lost (issue 11).
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

void check_refused(const Outcome& outcome, const std::string& tool) {
  CHECK(outcome.exit_code == 10);
  CHECK(contains(outcome.err, tool + ": error: cannot write to standard output\n"));
  CHECK(contains(outcome.err, "  cause: the system refused the data: No space left on device\n"));
}

}  // namespace

TEST_CASE("--help, --version and --completion into a full stdout are exit 10, for every tool") {
  Workspace workspace;
  for (const std::string tool : {"mqpub", "mqsub", "mqrr", "mqpasswd", "mqbench"}) {
    CAPTURE(tool);
    check_refused(run_tool_writing_to(workspace, "/dev/full", tool, {"--help"}), tool);
    check_refused(run_tool_writing_to(workspace, "/dev/full", tool, {"--version"}), tool);
    check_refused(run_tool_writing_to(workspace, "/dev/full", tool, {"--completion", "bash"}), tool);
  }
}

TEST_CASE("results into a full stdout are exit 10: mqpub --probe, mqsub, mqrr, mqpasswd --list, mqbench") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string port = broker.port_text();
  REQUIRE(
      run_tool(workspace, "mqpub", {"-p", port, "-t", "full/a", "-m", "kept", "-r", "-q", "1"}).exit_code ==
      0);

  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqpub", {"-p", port, "--probe"}), "mqpub");
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqpub", {"-p", port, "--probe=json"}), "mqpub");
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqsub",
                                    {"-p", port, "-t", "full/a", "-C", "1", "-W", "10"}),
                "mqsub");

  // Over MQTT v3.1.1 the retained message on -e is the response.
  check_refused(
      run_tool_writing_to(workspace, "/dev/full", "mqrr",
                          {"-p", port, "-V", "311", "-t", "full/ask", "-e", "full/a", "-m", "?", "-W", "10"}),
      "mqrr");

  const auto file = workspace.write("passwd", "");
  REQUIRE(run_tool(workspace, "mqpasswd", {"-b", file.string(), "alice", "secret"}).exit_code == 0);
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqpasswd", {"--list", file.string()}),
                "mqpasswd");

  check_refused(
      run_tool_writing_to(workspace, "/dev/full", "mqbench", {"-p", port, "-c", "1", "--count", "10"}),
      "mqbench");
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqbench",
                                    {"-p", port, "-c", "1", "--count", "10", "--json", "-"}),
                "mqbench");
  const std::string result = (workspace / "result.json").string();
  REQUIRE(
      run_tool(workspace, "mqbench", {"-p", port, "-c", "1", "--count", "10", "--json", result}).exit_code ==
      0);
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqbench", {"report", result}), "mqbench");
  check_refused(run_tool_writing_to(workspace, "/dev/full", "mqbench", {"report", result, "--json", "-"}),
                "mqbench");
}
