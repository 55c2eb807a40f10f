// The command line: --help, --version and usage errors (exit 2).
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {}  // namespace

TEST_CASE("--help prints the options on stdout and exits 0, for every tool") {
  Workspace workspace;
  for (const std::string tool : {"mqpub", "mqsub", "mqpasswd", "mqbench"}) {
    CAPTURE(tool);
    const Outcome outcome = run_tool(workspace, tool, {"--help"});
    CHECK(outcome.exit_code == 0);
    CHECK(contains(outcome.out, "Usage: " + tool));
    CHECK(outcome.err == "");
  }
}

TEST_CASE("--version prints the version on stdout and exits 0") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqsub", {"--version"});
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.out, "mqsub "));
  CHECK(contains(outcome.out, "libmosquitto 2."));
}

TEST_CASE("usage errors exit 2, name the option and point at --help") {
  struct Case {
    std::string tool;
    std::vector<std::string> arguments;
    std::string named;
  };
  const std::vector<Case> cases{
      {"mqpub", {"-t", "t", "-m", "x", "-q", "3"}, "--qos"},
      {"mqpub", {"-t", "t", "-m", "x", "-p", "70000"}, "--port"},
      {"mqpub", {"-t", "t", "-m", "x", "-V", "6"}, "--protocol-version"},
      {"mqpub", {"-t", "t", "-m", "x", "--bogus"}, "--bogus"},
      {"mqpub", {"-t", "t", "-m", "x", "-k", "3"}, "--keepalive"},
      {"mqpub", {"-t", "t", "-m", "x", "--cert", "c.pem"}, "--key"},
      {"mqpub", {"-t", "t", "-m", "x", "--will-payload", "bye"}, "--will-topic"},
      {"mqpub", {"-t", "t", "-m", "x", "-i", "a", "-I", "b"}, "--id"},
      {"mqpub", {"-t", "a/#", "-m", "x"}, "--topic"},
      {"mqpub", {"-m", "x"}, "-t TOPIC"},
      {"mqpub", {"-t", "t"}, "-m MESSAGE"},
      {"mqpub", {"-L", "http://host/t", "-m", "x"}, "--url"},
      {"mqpub", {"-t", "t", "-m", "x", "-P", "secret"}, "-u USERNAME"},
      {"mqpub", {"-t", "t", "-m", "x", "-u", "u", "--pw-file", "/nonexistent/pw"}, "--pw-file"},
      {"mqsub", {"-t", "a/#/b"}, "--topic"},
      {"mqsub", {}, "-t FILTER"},
      {"mqsub", {"-t", "t", "-C", "0"}, "--count"},
      {"mqsub", {"-t", "t", "-c"}, "--disable-clean-session"},
  };
  Workspace workspace;
  for (const Case& example : cases) {
    CAPTURE(example.arguments);
    const Outcome outcome = run_tool(workspace, example.tool, example.arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, example.tool + ": error:"));
    CHECK(contains(outcome.err, example.named));
    CHECK(outcome.out == "");
  }
}
