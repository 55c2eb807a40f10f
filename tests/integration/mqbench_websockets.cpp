// mqbench over WebSockets (ws://, wss://) and proxies: its worker loops open and drive every
// client's relay, against mosquitto's WebSocket listeners, tinyproxy and microsocks; a
// handshake that fails for the load's clients (after the check of the broker passed) is counted
// with its cause, as is a server that never answers.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "harness/bench_results.hpp"
#include "harness/broker.hpp"
#include "harness/tools.hpp"
#include "harness/web_servers.hpp"

using namespace mq::test;

namespace {

nlohmann::json json_file(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

// Runs mqbench with `arguments` and --json; returns the document after checking it exited 0.
nlohmann::json bench(const Workspace& workspace, std::vector<std::string> arguments) {
  const std::filesystem::path file = workspace / "result.json";
  arguments.insert(arguments.end(), {"--json", file.string()});
  const Outcome outcome = run_tool(workspace, "mqbench", arguments);
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.exit_code == 0);
  CHECK(outcome.err.find("warning") == std::string::npos);
  return json_file(file);
}

// pubsub --count 300 at QoS 1 over three pairs: every message sent, acknowledged and received
// once.
void check_exact_counts(const nlohmann::json& result) { check_exact_delivery(result["totals"], 300, 6); }

const std::vector<std::string> pubsub_count{"pubsub", "-c", "3", "--count", "300", "-q", "1"};

std::vector<std::string> with(std::vector<std::string> first, const std::vector<std::string>& then) {
  first.insert(first.end(), then.begin(), then.end());
  return first;
}

}  // namespace

TEST_CASE("mqbench pubsub --count at QoS 1 over ws:// and --ws: exact counts") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  const std::string port = std::to_string(broker.ws_port());
  check_exact_counts(bench(workspace, with(pubsub_count, {"-h", "localhost", "-p", port, "--ws"})));
  // -L names one topic: every subscriber receives every publisher's messages.
  const nlohmann::json shared =
      bench(workspace, with(pubsub_count, {"-L", "ws://localhost:" + port + "/bench/ws"}));
  CHECK(shared["totals"]["received"] == 900);
  CHECK(shared["totals"]["lost"] == 0);
  CHECK(shared["totals"]["duplicated"] == 0);
}

TEST_CASE("mqbench pubsub --count at QoS 1 over wss://: exact counts, TLS through --cafile") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  check_exact_counts(
      bench(workspace, with(pubsub_count, {"-h", "localhost", "-p", std::to_string(broker.wss_port()), "--ws",
                                           "--cafile", broker.certificates().ca.string()})));
}

TEST_CASE("mqbench through tinyproxy (ws://) and microsocks (plain MQTT): exact counts") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  HttpProxy http_proxy{workspace, broker.ws_port()};
  check_exact_counts(
      bench(workspace, with(pubsub_count, {"-h", "localhost", "-p", std::to_string(broker.ws_port()), "--ws",
                                           "--proxy", http_proxy.url()})));
  SocksProxy socks_proxy{workspace, "bob", "s0cks"};
  // microsocks connects to the first address of a name only: where localhost is ::1 first (real
  // Debian), it would find no broker there. The proxy still resolves what it is given.
  check_exact_counts(bench(workspace, with(pubsub_count, {"-h", "127.0.0.1", "-p", broker.port_text(),
                                                          "--proxy", socks_proxy.url("bob:s0cks")})));
}

TEST_CASE("mqbench conn holds its connections over ws:// and disconnects them cleanly") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  const nlohmann::json result =
      bench(workspace, {"conn", "-L", "ws://localhost:" + std::to_string(broker.ws_port()) + "/t", "-c", "40",
                        "--hold", "0.5"});
  CHECK(result["totals"]["connections"]["connected"] == 40);
  CHECK(result["totals"]["connections"]["failed"] == 0);
  CHECK(result["totals"]["errors"] == 0);
}

TEST_CASE("mqbench counts the clients whose WebSocket handshake fails, by cause, after the check passed") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  // The check of the broker goes through to mosquitto; the three clients get 401.
  FakeWebSocketServer server{
      workspace, {"forward", std::to_string(broker.ws_port()), "1", "status", "401 Unauthorized"}};
  const std::string file = (workspace / "refused.json").string();
  const Outcome outcome = run_tool(workspace, "mqbench",
                                   {"conn", "-L", "ws://127.0.0.1:" + server.port_text() + "/t", "-c", "3",
                                    "--hold", "0.2", "--json", file});
  CHECK(outcome.exit_code == 5);  // 401: authentication, as mqpub says
  CHECK(contains(outcome.err, "none of the 3 connections could be made"));
  CHECK(contains(outcome.out, "connections: 0 of 3 made, 3 failed"));
  const nlohmann::json causes = json_file(file)["totals"]["errors_by_cause"];
  REQUIRE(causes.size() == 1);
  CHECK(contains(causes.begin().key(), "the WebSocket handshake with ws://127.0.0.1:" + server.port_text() +
                                           "/mqtt (path /mqtt) was refused"));
  CHECK(contains(causes.begin().key(), "'HTTP/1.1 401 Unauthorized'"));
  CHECK(causes.begin().value() == 3);
}

TEST_CASE("mqbench gives up a handshake the server never answers at --connect-timeout, without blocking the "
          "others") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  FakeWebSocketServer server{workspace, {"forward", std::to_string(broker.ws_port()), "1", "stall"}};
  const std::string file = (workspace / "stalled.json").string();
  const Outcome outcome = run_tool(workspace, "mqbench",
                                   {"conn", "-L", "ws://127.0.0.1:" + server.port_text() + "/t", "-c", "2",
                                    "--connect-timeout", "1", "--hold", "0.2", "--json", file});
  CHECK(outcome.exit_code == 3);
  const nlohmann::json causes = json_file(file)["totals"]["errors_by_cause"];
  REQUIRE(causes.size() == 1);
  CHECK(contains(causes.begin().key(), "no answer from the server ws://127.0.0.1:" + server.port_text()));
  CHECK(causes.begin().value() == 2);
}

TEST_CASE("mqbench's check of the broker over ws:// is diagnosed as mqpub's: a plain MQTT port, exit 7") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = run_tool(workspace, "mqbench",
                                   {"conn", "-L", "ws://127.0.0.1:" + broker.port_text() + "/t", "-c", "2"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "closed the connection at our WebSocket handshake"));
  CHECK(contains(outcome.err, "the port speaks plain MQTT, not WebSockets"));
}
