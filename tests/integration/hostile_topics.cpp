// Empty, oversize and invalid topics for every tool that publishes or subscribes (issue 11):
// each is a usage error (exit 2) naming the option and the reason, before any connection (the
// port is closed, so a connection attempt would be exit 3).
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {

struct BadTopic {
  std::string topic;
  std::string reason;
};

const std::vector<BadTopic>& bad_topics() {
  static const std::vector<BadTopic> topics{
      {"", "it is empty"},
      {"a/\x01/b", "byte 3 is the control character U+0001"},
      {"tab\there", "byte 4 is the control character U+0009"},
      {"bad\xff", "byte 4 (\\xff) is not valid UTF-8"},
      {"half\xc3", "byte 5 (\\xc3) is not valid UTF-8"},
      {"x\xef\xbf\xbe", "byte 2 starts U+FFFE, a Unicode noncharacter"},
      {std::string(65536, 'x'), "it is 65536 bytes long; MQTT allows at most 65535"},
  };
  return topics;
}

void check_refused(const Outcome& outcome, const std::string& tool, const std::string& option,
                   const std::string& reason) {
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, tool + ": error: " + option));
  CHECK(contains(outcome.err, reason));
  CHECK(outcome.out == "");
}

}  // namespace

TEST_CASE("mqpub refuses a bad topic, will topic or --json-lines topic before connecting") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  for (const BadTopic& bad : bad_topics()) {
    CAPTURE(bad.reason);
    check_refused(run_tool(workspace, "mqpub", {"-p", port, "-t", bad.topic, "-m", "x"}), "mqpub", "--topic",
                  bad.reason);
    check_refused(
        run_tool(workspace, "mqpub", {"-p", port, "-t", "ok", "-m", "x", "--will-topic", bad.topic}), "mqpub",
        "--will-topic", bad.reason);
  }
  check_refused(run_tool(workspace, "mqpub", {"-p", port, "-t", "a/+", "-m", "x"}), "mqpub", "--topic",
                "wildcards");
  check_refused(run_tool(workspace, "mqpub", {"-p", port, "-t", "ok", "-m", "x", "--will-topic", "a/#"}),
                "mqpub", "--will-topic", "wildcards");
}

TEST_CASE("mqsub refuses a bad filter in -t, -T and -U, and a bad will topic, before connecting") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  for (const BadTopic& bad : bad_topics()) {
    CAPTURE(bad.reason);
    check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", bad.topic}), "mqsub", "--topic",
                  bad.reason);
    check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", "ok/#", "-T", bad.topic}), "mqsub",
                  "--filter-out", bad.reason);
    check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", "ok/#", "-U", bad.topic}), "mqsub",
                  "--unsubscribe", bad.reason);
    check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", "ok/#", "--will-topic", bad.topic}),
                  "mqsub", "--will-topic", bad.reason);
  }
  check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", "a/#/b"}), "mqsub", "--topic",
                "'#' must be the last level");
  check_refused(run_tool(workspace, "mqsub", {"-p", port, "-t", "a/b+"}), "mqsub", "--topic", "whole level");
}

TEST_CASE("mqbench refuses a bad topic template for publishers and subscribers before connecting") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  for (const BadTopic& bad : bad_topics()) {
    CAPTURE(bad.reason);
    for (const std::string scenario : {"pub", "sub", "pubsub"}) {
      CAPTURE(scenario);
      check_refused(run_tool(workspace, "mqbench", {scenario, "-p", port, "-t", bad.topic}), "mqbench",
                    "--topic", bad.reason);
    }
  }
  check_refused(run_tool(workspace, "mqbench", {"pub", "-p", port, "-t", "a/+"}), "mqbench", "--topic",
                "wildcards");
}
