// Diagnostics are coloured on a terminal only, and never with NO_COLOR.
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// Runs mqpub against a closed port inside a pseudo-terminal (script(1)); returns what it showed.
std::string on_terminal(const Workspace& workspace, const std::map<std::string, std::string>& environment) {
  const std::string command =
      tool_path("mqpub") + " -h 127.0.0.1 -p " + std::to_string(free_port()) + " -t t -m x";
  const Outcome outcome =
      run(Command{{"script", "-qec", command, "/dev/null"}, {}, environment}, workspace.path());
  CHECK(outcome.exit_code == 3);
  return outcome.out;
}

}  // namespace

TEST_CASE("on a terminal the labels are coloured, with NO_COLOR or TERM=dumb, or in a pipe, they are not") {
  Workspace workspace;
  CHECK(on_terminal(workspace, {{"TERM", "xterm"}}).find("\x1b[1;31merror:\x1b[0m") != std::string::npos);
  CHECK(on_terminal(workspace, {{"TERM", "xterm"}, {"NO_COLOR", "1"}}).find("\x1b[") == std::string::npos);
  CHECK(on_terminal(workspace, {{"TERM", "dumb"}}).find("\x1b[") == std::string::npos);
  const Outcome piped = run_tool(
      workspace, "mqpub", {"-h", "127.0.0.1", "-p", std::to_string(free_port()), "-t", "t", "-m", "x"});
  CHECK(piped.err.find("\x1b[") == std::string::npos);
}
