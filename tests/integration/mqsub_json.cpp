// mqsub --json, %j and %J: mosquitto_sub 2.1's keys, and JSON that is valid whatever the payload.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "mqsub_support.hpp"

using namespace mq::test;
using nlohmann::json;

namespace {

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> objects;
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);) {
    REQUIRE(json::accept(line));
    objects.push_back(json::parse(line));
  }
  return objects;
}

}  // namespace

TEST_CASE("--json prints one object per line with the keys and types of mosquitto_sub's %j") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "j/#", "-q", "1", "-C", "2", "--json"});
  REQUIRE(reference_publish(workspace, broker, {"-t", "j/a", "-m", "hello", "-q", "1"}).exit_code == 0);
  REQUIRE(reference_publish(workspace, broker,
                            {"-V", "5", "-t", "j/b", "-m", "{\"x\":1}", "-D", "publish", "user-property", "k",
                             "v", "-D", "publish", "content-type", "application/json"})
              .exit_code == 0);

  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  const auto objects = json_lines(outcome.out);
  REQUIRE(objects.size() == 2);
  const json& first = objects[0];
  std::vector<std::string> keys;
  for (const auto& item : first.items())
    keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"mid", "payload", "payloadlen", "qos", "retain", "topic", "tst"});
  CHECK(outcome.out.starts_with("{\"tst\":\""));  // in mosquitto_sub's order, tst first
  CHECK(first["topic"] == "j/a");
  CHECK(first["qos"] == 1);
  CHECK(first["retain"] == false);
  CHECK(first["payloadlen"] == 5);
  CHECK(first["mid"].is_number_integer());
  CHECK(first["payload"] == "hello");
  CHECK(first["tst"].get<std::string>().size() == std::string{"2020-05-06T22:12:00.000000+0100"}.size());

  const json& second = objects[1];
  CHECK_FALSE(second.contains("mid"));  // QoS 0
  CHECK(second["payload"] == "{\"x\":1}");
  CHECK(second["properties"]["content-type"] == "application/json");
  CHECK(second["properties"]["user-properties"] == json::array({{{"k", "v"}}}));
}

TEST_CASE("a payload that is not UTF-8 is written in base64 and flagged, so every line stays valid JSON") {
  Workspace workspace;
  Broker broker{workspace};
  workspace.write("binary", std::string{"\xff\xd8\xff\x00\x01 binary", 12});
  REQUIRE(reference_publish(workspace, broker, {"-t", "bin", "-f", (workspace / "binary").string(), "-r"})
              .exit_code == 0);
  for (const std::vector<std::string>& output :
       {std::vector<std::string>{"--json"}, {"-F", "%j"}, {"-F", "%J"}}) {
    CAPTURE(output);
    std::vector<std::string> arguments{"-t", "bin", "-C", "1"};
    arguments.insert(arguments.end(), output.begin(), output.end());
    const Outcome outcome = subscribe(workspace, broker, arguments);
    CHECK(outcome.exit_code == 0);
    const auto objects = json_lines(outcome.out);
    REQUIRE(objects.size() == 1);
    CHECK(objects[0]["payload"] == "/9j/AAEgYmluYXJ5");
    CHECK(objects[0]["payload_encoding"] == "base64");
    CHECK(objects[0]["payloadlen"] == 12);
  }
}

TEST_CASE("%J embeds a JSON payload, and falls back to the string form for one that is not JSON") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(
      reference_publish(workspace, broker, {"-t", "J/1", "-m", "{\"temperature\": 27.0, \"ok\": true}", "-r"})
          .exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "J/2", "-m", "not json", "-r"}).exit_code == 0);
  const Outcome outcome = subscribe(workspace, broker, {"-t", "J/#", "-C", "2", "-F", "%J"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
  CHECK(contains(outcome.out, ",\"payload\":{\"temperature\":27,\"ok\":true}}\n"));
  CHECK(contains(outcome.out, ",\"payload\":\"not json\"}\n"));
}

TEST_CASE("--pretty lays JSON out over lines with tabs, as mosquitto_sub does") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "p", "-m", "x", "-r"}).exit_code == 0);
  const Outcome outcome = subscribe(workspace, broker, {"-t", "p", "-C", "1", "--json", "--pretty"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.starts_with("{\n\t\"tst\":\t\""));
  CHECK(outcome.out.ends_with(
      "\",\n\t\"topic\":\t\"p\",\n\t\"qos\":\t0,\n\t\"retain\":\ttrue,\n\t\"payloadlen\":\t1,\n"
      "\t\"payload\":\t\"x\"\n}\n"));
  CHECK(json::accept(outcome.out));
}

TEST_CASE("--json cannot be combined with -F, -v or -N") {
  Workspace workspace;
  for (const std::string option : {"-v", "-N"}) {
    const Outcome outcome = run_tool(workspace, "mqsub", {"-t", "t", "--json", option});
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "--json"));
  }
  CHECK(run_tool(workspace, "mqsub", {"-t", "t", "--json", "-F", "%t"}).exit_code == 2);
}
