// mqsub --sys: the broker's $SYS tree as JSON snapshots, or a dashboard on a terminal.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "harness/fake_broker.hpp"
#include "mqsub_support.hpp"

using namespace mq::test;
using nlohmann::json;

namespace {

BrokerSetup sys_broker(int interval = 1) {
  BrokerSetup setup;
  setup.extra_lines = {"sys_interval " + std::to_string(interval)};
  return setup;
}

// The README's health-check command line, without its comment.
std::string documented_health_check() {
  std::istringstream readme{read_file(std::string{MQ_SOURCE_DIR} + "/README.md")};
  for (std::string line; std::getline(readme, line);) {
    const std::size_t comment = line.find("# CI health check");
    if (comment == std::string::npos) continue;
    line.erase(line.find_last_not_of(' ', comment - 1) + 1);
    return line;
  }
  FAIL("the README has no line marked '# CI health check'");
  return {};
}

// A man page's text as printed: roff's \- and \(aq as - and '.
std::string unescaped_roff(std::string text) {
  for (const auto& [escape, character] : {std::pair{std::string{"\\-"}, std::string{"-"}}, {"\\(aq", "'"}})
    for (std::size_t at = text.find(escape); at != std::string::npos; at = text.find(escape, at))
      text.replace(at, escape.size(), character);
  return text;
}

}  // namespace

TEST_CASE("--sys -C 1 prints one JSON snapshot of the broker, numbers typed as numbers") {
  Workspace workspace;
  Broker broker{workspace, sys_broker()};
  const Outcome outcome = subscribe(workspace, broker, {"--sys", "-C", "1"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
  REQUIRE(outcome.out.ends_with("}\n"));
  REQUIRE(outcome.out.find('\n') == outcome.out.size() - 1);  // one line
  REQUIRE(json::accept(outcome.out));
  const json snapshot = json::parse(outcome.out);
  CHECK(snapshot["version"].get<std::string>().starts_with("mosquitto version 2."));
  CHECK(snapshot["uptime_seconds"].is_number_integer());
  for (const char* figure : {"connected", "disconnected", "total"})
    CHECK(snapshot["clients"][figure].is_number_integer());
  for (const char* direction : {"received", "sent"}) {
    CHECK(snapshot["messages_per_second"][direction].is_number());
    CHECK(snapshot["bytes_per_second"][direction].is_number());
  }
  CHECK(snapshot["subscriptions"].is_number_integer());
  CHECK(snapshot["retained_messages"].is_number_integer());
  CHECK(snapshot["heap"].is_object());
  CHECK(snapshot["tst"].is_string());
  CHECK(snapshot.value("live", false));
  CHECK_FALSE(snapshot.contains("stale"));
  // Topics without a field of their own are kept, typed, under "other".
  CHECK(snapshot["other"]["$SYS/broker/messages/stored"].is_number_integer());
  CHECK(snapshot["other"]["$SYS/broker/load/sockets/5min"].is_number());
  CHECK_FALSE(snapshot["other"].contains("$SYS/broker/version"));
}

TEST_CASE("--sys prints one snapshot per $SYS update, and sees itself connected") {
  Workspace workspace;
  Broker broker{workspace, sys_broker()};
  const Outcome outcome = subscribe(workspace, broker, {"--sys", "-C", "3", "-W", "30"});
  CHECK(outcome.exit_code == 0);
  std::istringstream lines{outcome.out};
  std::vector<json> snapshots;
  for (std::string line; std::getline(lines, line);)
    snapshots.push_back(json::parse(line));
  REQUIRE(snapshots.size() == 3);
  // Each one from a live update of the broker, none from the retained tree alone.
  for (json& snapshot : snapshots) {
    CHECK(snapshot["live"] == true);
    CHECK(snapshot["clients"]["connected"] >= 1);
    CHECK(snapshot["subscriptions"] >= 1);
  }
  CHECK(snapshots[2]["uptime_seconds"] > snapshots[0]["uptime_seconds"]);
}

// A fresh broker retains the $SYS tree it published when it started, which counts no client:
// the snapshot must come from an update published after mqsub connected, which counts it.
TEST_CASE("--sys -C 1 on a fresh broker describes it after mqsub connected, at any sys_interval") {
  Workspace workspace;
  for (const int interval : {1, 5}) {
    CAPTURE(interval);
    Broker broker{workspace, sys_broker(interval)};
    const Outcome outcome = subscribe(workspace, broker, {"--sys", "-C", "1", "-W", "20"});
    CHECK(outcome.exit_code == 0);
    REQUIRE(json::accept(outcome.out));
    json snapshot = json::parse(outcome.out);  // not const: [] of a missing key is null
    CHECK(snapshot["live"] == true);
    CHECK(snapshot["clients"]["connected"] >= 1);
    CHECK(contains(snapshot["version"].dump(), "mosquitto version 2."));  // kept from the retained tree
  }
}

TEST_CASE("the health check of mqsub(1) and the README passes on a fresh broker, run as written") {
  const std::string command = documented_health_check();
  CHECK(unescaped_roff(read_file(std::string{MQ_SOURCE_DIR} + "/man/mqsub.1")).find(command) !=
        std::string::npos);
  Workspace workspace;
  Broker broker{workspace, sys_broker(5)};
  const std::string documented_start = "mqsub -h broker.example";
  REQUIRE(command.starts_with(documented_start));
  const std::string here =
      tool_path("mqsub") + " -h 127.0.0.1 -p " + broker.port_text() + command.substr(documented_start.size());
  const Outcome outcome = run(Command{{"sh", "-c", here}, {}, {}}, workspace.path());
  CHECK_MESSAGE(outcome.exit_code == 0, here, "\n", outcome.err);
  CHECK(outcome.out == "true\n");  // jq -e prints the value it tested
}

TEST_CASE("--sys -W shorter than sys_interval prints the retained values marked stale and exits 8") {
  Workspace workspace;
  Broker broker{workspace, sys_broker(3600)};
  const Outcome outcome = subscribe(workspace, broker, {"--sys", "-W", "1"});
  CHECK(outcome.exit_code == 8);
  REQUIRE(json::accept(outcome.out));
  json snapshot = json::parse(outcome.out);  // not const: [] of a missing key is null
  CHECK(snapshot["live"] == false);
  CHECK(contains(snapshot["stale"].dump(), "up to one sys_interval old"));
  CHECK(contains(snapshot["version"].dump(), "mosquitto version 2."));
  CHECK(contains(outcome.err, "Timed out after 1 s (-W)"));
  CHECK(contains(outcome.err, "retained values"));
  CHECK(contains(outcome.err, "sys_interval"));
}

TEST_CASE("--sys -W prints one snapshot and exits 0, without $SYS it times out with exit 8") {
  Workspace workspace;
  Broker broker{workspace, sys_broker()};
  const Outcome one = subscribe(workspace, broker, {"--sys", "-W", "20"});
  CHECK(one.exit_code == 0);
  CHECK(json::accept(one.out));

  FakeBroker quiet{FakeBehaviour::refuse_v5};  // accepts the subscription, publishes nothing
  const Outcome none = run_tool(workspace, "mqsub", {"-p", quiet.port_text(), "--sys", "-W", "1"});
  CHECK(none.exit_code == 8);
  CHECK(none.out == "");
  CHECK(contains(none.err, "Timed out"));
}

TEST_CASE("--sys on a terminal draws a dashboard and redraws it in place") {
  Workspace workspace;
  Broker broker{workspace, sys_broker()};
  const std::string command = tool_path("mqsub") + " -p " + broker.port_text() + " --sys -C 2";
  const Outcome outcome =
      run(Command{{"script", "-qefc", command, "/dev/null"}, std::nullopt, {}}, workspace.path());
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.starts_with("\033[2J\033[H"));
  CHECK(contains(outcome.out, "mosquitto version 2."));
  CHECK(contains(outcome.out, "messages"));
  CHECK(contains(outcome.out, "clients"));
  CHECK(contains(outcome.out, "retained messages"));
  CHECK(contains(outcome.out, "\033[K\r\n"));
  // The second snapshot starts from the top of the screen again, without clearing it first.
  const std::size_t second = outcome.out.find("\033[H", 4);
  CHECK(second != std::string::npos);
  CHECK(outcome.out.find("\033[2J", 4) == std::string::npos);
}

TEST_CASE("--sys on a terminal shows the retained values at once marked stale until the first update") {
  Workspace workspace;
  Broker broker{workspace, sys_broker(3600)};
  const std::string command =
      "timeout --preserve-status -s INT 2 " + tool_path("mqsub") + " -p " + broker.port_text() + " --sys";
  const Outcome outcome =
      run(Command{{"script", "-qefc", command, "/dev/null"}, std::nullopt, {}}, workspace.path());
  CHECK(outcome.exit_code == 130);
  CHECK(outcome.out.starts_with("\033[2J\033[H"));
  CHECK(contains(outcome.out, "mosquitto version 2."));
  CHECK(contains(outcome.out, "stale: retained values"));
}

TEST_CASE("--sys cannot be combined with -t, -F, -v or what hides live updates") {
  Workspace workspace;
  for (const std::vector<std::string>& option : {std::vector<std::string>{"-t", "x"},
                                                 {"-F", "%t"},
                                                 {"-v"},
                                                 {"--retain-as-published"},
                                                 {"--retain-handling", "never"}}) {
    std::vector<std::string> arguments{"--sys"};
    arguments.insert(arguments.end(), option.begin(), option.end());
    const Outcome outcome = run_tool(workspace, "mqsub", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "--sys cannot be combined with " + option[0]));
  }
}
