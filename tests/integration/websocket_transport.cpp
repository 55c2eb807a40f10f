// MQTT over WebSockets (ws://, wss://) against mosquitto's own WebSocket listeners, and the
// failures a misbehaving WebSocket server shows (fake_websocket_server.py).
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include "harness/broker.hpp"
#include "harness/tools.hpp"
#include "harness/web_servers.hpp"

using namespace mq::test;

namespace {

std::string ws_url(int port, const std::string& topic) {
  return "ws://localhost:" + std::to_string(port) + "/" + topic;
}

std::string wss_url(int port, const std::string& topic) {
  return "wss://localhost:" + std::to_string(port) + "/" + topic;
}

std::string numbered_lines(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i)
    lines += std::to_string(i) + "\n";
  return lines;
}

Outcome publish_to_fake(const Workspace& workspace, const FakeWebSocketServer& server,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments{"-L", ws_url(server.port(), "t"), "-m", "x", "--connect-timeout", "5"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run_tool(workspace, "mqpub", arguments);
}

}  // namespace

TEST_CASE("mqpub at QoS 0, 1 and 2 reaches mqsub over ws://, each through the WebSocket listener") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  auto subscriber = start_subscriber(workspace, {"-L", ws_url(broker.ws_port(), "ws/#"), "-C", "3", "-v"});
  for (const std::string qos : {"0", "1", "2"}) {
    const Outcome published = run_tool(
        workspace, "mqpub", {"-L", ws_url(broker.ws_port(), "ws/q" + qos), "-q", qos, "-m", "m" + qos});
    CHECK(published.exit_code == 0);
    CHECK(published.err == "");
  }
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == "ws/q0 m0\nws/q1 m1\nws/q2 m2\n");
}

TEST_CASE("mqpub -l over ws:// at QoS 1 delivers every line, in order") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "lines", "-C", "2000", "-q", "1"});
  const Outcome published = run_tool(
      workspace, "mqpub", {"-L", ws_url(broker.ws_port(), "lines"), "-q", "1", "-l"}, numbered_lines(2000));
  CHECK(published.exit_code == 0);
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == numbered_lines(2000));
}

TEST_CASE("mqsub --json over wss:// receives what mqpub sends over wss://, with --cafile") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  const std::string ca = broker.certificates().ca.string();
  auto subscriber = start_subscriber(
      workspace, {"-L", wss_url(broker.wss_port(), "secure"), "--cafile", ca, "-C", "1", "--json"});
  const Outcome published =
      run_tool(workspace, "mqpub",
               {"-L", wss_url(broker.wss_port(), "secure"), "--cafile", ca, "-q", "1", "-m", "over wss"});
  CHECK(published.exit_code == 0);
  CHECK(published.err == "");
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(contains(received.out, "\"topic\":\"secure\""));
  CHECK(contains(received.out, "\"payload\":\"over wss\""));
}

TEST_CASE("--ws with -h and -p is ws://, and the broker's WebSocket listener takes any path we name") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "t", "-C", "1"});
  const Outcome published = run_tool(workspace, "mqpub",
                                     {"--ws", "-h", "localhost", "-p", std::to_string(broker.ws_port()),
                                      "--ws-path", "/", "-t", "t", "-m", "x"});
  CHECK(published.exit_code == 0);
  CHECK(subscriber->finish().out == "x\n");
}

TEST_CASE("a wss:// certificate from an unknown CA is exit 4 with the same diagnosis as over mqtts://") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  const Certificates other = make_certificates_of_another_ca(workspace / "other");
  const Outcome outcome = run_tool(
      workspace, "mqpub", {"-L", wss_url(broker.wss_port(), "t"), "--cafile", other.ca.string(), "-m", "x"});
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "not signed by a CA trusted by --cafile " + other.ca.string()));
  CHECK(contains(outcome.err, "CN=localhost"));
}

TEST_CASE("ws:// to a plain MQTT port is exit 7 and says to drop ws://") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = run_tool(workspace, "mqpub", {"-L", ws_url(broker.port(), "t"), "-m", "x"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "closed the connection at our WebSocket handshake"));
  CHECK(contains(outcome.err, "the port speaks plain MQTT, not WebSockets"));
  CHECK(contains(outcome.err, "drop ws://"));
}

TEST_CASE("a subprotocol mosquitto does not serve is exit 7 naming it") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  const Outcome outcome = run_tool(
      workspace, "mqpub", {"-L", ws_url(broker.ws_port(), "t"), "--ws-subprotocol", "mqttv9", "-m", "x"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "it refuses the subprotocol 'mqttv9'"));
  CHECK(contains(outcome.err, "drop --ws-subprotocol"));
}

TEST_CASE("ws:// to a closed port is exit 3, connection refused") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqpub", {"-L", ws_url(free_port(), "t"), "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "connection refused"));
}

TEST_CASE("the handshake sends the path, Host, Origin, the subprotocol and --ws-header, and -d masks the "
          "headers' values") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"status", "404 Not Found"}};
  const Outcome outcome =
      publish_to_fake(workspace, server,
                      {"--ws-path", "/custom/path", "--ws-origin", "https://example.test", "--ws-header",
                       "X-Amz-Token: s3cr3t-token", "--ws-header", "X-Other: visible?", "-d"});
  const std::string request = server.requests();
  CHECK(contains(request, "GET /custom/path HTTP/1.1\r\n"));
  CHECK(contains(request, "Host: localhost:" + server.port_text() + "\r\n"));
  CHECK(contains(request, "Origin: https://example.test\r\n"));
  CHECK(contains(request, "Sec-WebSocket-Protocol: mqtt\r\n"));
  CHECK(contains(request, "Sec-WebSocket-Version: 13\r\n"));
  CHECK(contains(request, "X-Amz-Token: s3cr3t-token\r\n"));
  CHECK(contains(outcome.err, "> X-Amz-Token: ***"));
  CHECK(contains(outcome.err, "> X-Other: ***"));
  CHECK_FALSE(contains(outcome.err, "s3cr3t-token"));
  CHECK(contains(outcome.err, "< HTTP/1.1 404 Not Found"));
}

TEST_CASE("HTTP 404 at the WebSocket path is exit 7 naming the path and the usual ones") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"status", "404 Not Found"}};
  const Outcome outcome = publish_to_fake(workspace, server, {"--ws-path", "/nothing"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err,
                 "the server answered 'HTTP/1.1 404 Not Found': nothing serves WebSockets at /nothing"));
  CHECK(contains(outcome.err, "--ws-path: /mqtt"));
}

TEST_CASE("HTTP 401 and 403 from the WebSocket server are exit 5") {
  Workspace workspace;
  for (const std::string status : {"401 Unauthorized", "403 Forbidden"}) {
    FakeWebSocketServer server{workspace, {"status", status}};
    const Outcome outcome = publish_to_fake(workspace, server);
    CHECK(outcome.exit_code == 5);
    CHECK(contains(outcome.err, "the server answered 'HTTP/1.1 " + status + "'"));
  }
}

TEST_CASE("a 101 without Upgrade, with a wrong accept key or without the subprotocol is exit 7") {
  Workspace workspace;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"no_upgrade", "without 'Upgrade: websocket' and 'Connection: Upgrade'"},
      {"bad_accept", "is not the one our key asks for"},
      {"no_subprotocol", "the server did not accept the subprotocol 'mqtt'"}};
  for (const auto& [behaviour_name, words] : cases) {
    const std::string& behaviour = behaviour_name;
    CAPTURE(behaviour);
    FakeWebSocketServer server{workspace, {behaviour}};
    const Outcome outcome = publish_to_fake(workspace, server);
    CHECK(outcome.exit_code == 7);
    CHECK(contains(outcome.err, words));
  }
}

TEST_CASE(
    "a server that closes the WebSocket with a close code is named with the code, its meaning and reason") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"close", "1008", "token expired"}};
  const Outcome outcome = publish_to_fake(workspace, server);
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "closed the WebSocket connection with close code 1008 (policy violation)"));
  CHECK(contains(outcome.err, "its reason: 'token expired'"));
}

TEST_CASE("a server that closes an established WebSocket: -d and the error name the code, its meaning, "
          "its reason") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"close_after_connack", "1001", "restarting"}};
  const Outcome outcome = run_tool(
      workspace, "mqsub", {"-L", ws_url(server.port(), "t"), "--reconnect-attempts", "0", "-W", "10", "-d"});
  CHECK(outcome.exit_code == 3);  // going away: a new connection may succeed
  CHECK(contains(outcome.err, "debug: the server closed the WebSocket with close code 1001 (going away)\n"));
  CHECK(contains(outcome.err, "error: the server ws://localhost:" + server.port_text() +
                                  "/mqtt closed the WebSocket connection with close code 1001 (going away)\n"
                                  "  cause: its reason: 'restarting'\n"
                                  "  fix: try again later; the broker's log says why it closed\n"));
}

TEST_CASE("a close code of the application's range (4000-4999) is named by its number, without a reason") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"close", "4003", ""}};
  const Outcome outcome = publish_to_fake(workspace, server);
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "closed the WebSocket connection with close code 4003\n"
                              "  cause: it gave no reason\n"));
}

TEST_CASE("a server that closes in the middle of a frame is a lost connection (exit 3)") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"close_mid_frame"}};
  const Outcome outcome = publish_to_fake(workspace, server);
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "error:"));
}

TEST_CASE("a server that never answers the handshake is exit 3 after --connect-timeout") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"stall"}};
  const Outcome outcome = publish_to_fake(workspace, server, {"--connect-timeout", "0.5"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err,
                 "no answer from the server ws://localhost:" + server.port_text() + "/mqtt within 0.5 s"));
}

TEST_CASE("an endless HTTP head is refused at 16 KiB (exit 7)") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"huge_head"}};
  const Outcome outcome = publish_to_fake(workspace, server);
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "sent an HTTP head larger than 16 KiB"));
}

TEST_CASE("Ctrl-C during the WebSocket handshake is exit 130") {
  Workspace workspace;
  FakeWebSocketServer server{workspace, {"stall"}};
  auto publisher = start_tool(workspace, "mqpub", {"-L", ws_url(server.port(), "t"), "-m", "x", "-d"});
  REQUIRE(publisher->wait_for_stderr("> GET /mqtt HTTP/1.1"));
  publisher->signal(SIGINT);
  const Outcome outcome = publisher->finish();
  CHECK(outcome.exit_code == 130);
}

TEST_CASE("WebSocket options are checked before connecting (exit 2)") {
  Workspace workspace;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"-t", "t", "--ws-path", "/x"}, "need WebSockets"},
      {{"--ws", "-t", "t", "--ws-path", "mqtt"}, "--ws-path 'mqtt' is not an HTTP path"},
      {{"--ws", "-t", "t", "--ws-header", "no colon"}, "is not a header"},
      {{"--ws", "-t", "t", "--ws-header", "Host: evil"}, "--ws-header cannot set Host"},
      {{"--ws", "-t", "t", "--ws-subprotocol", "a b"}, "is not a subprotocol name"},
      {{"--ws", "--unix", "/tmp/x", "-t", "t"}, "--unix cannot be combined with WebSockets"},
  };
  for (const auto& [arguments, expected_words] : cases) {
    const std::string& words = expected_words;
    CAPTURE(words);
    std::vector<std::string> with_message = arguments;
    with_message.insert(with_message.end(), {"-m", "x"});
    const Outcome outcome = run_tool(workspace, "mqpub", with_message);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, words));
  }
}

TEST_CASE("when the broker restarts, mqsub over ws:// reconnects through a new relay and goes on") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  auto subscriber = start_subscriber(workspace, {"-L", ws_url(broker.ws_port(), "again"), "-C", "2", "-v"});
  REQUIRE(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "again", "-m", "before"}).exit_code ==
          0);
  REQUIRE(subscriber->wait_for_stdout("again before\n"));

  broker.stop();
  REQUIRE(subscriber->wait_for_stderr("reconnecting"));
  broker.start();
  REQUIRE(subscriber->wait_for_stderr("reconnected to ws://localhost:" + std::to_string(broker.ws_port()) +
                                      "/mqtt"));
  REQUIRE(wait_for_stderr_count(*subscriber, "debug: subscribed to again", 2));
  REQUIRE(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "again", "-m", "after"}).exit_code ==
          0);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "again before\nagain after\n");
}

TEST_CASE("a proxy that accepts the connection but never answers CONNECT is exit 3 after --connect-timeout") {
  Workspace workspace;
  FakeWebSocketServer stalling{workspace, {"stall"}};
  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-L", "ws://localhost:1/t", "--proxy", "http://127.0.0.1:" + stalling.port_text(),
                "--connect-timeout", "0.5", "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err,
                 "no answer from the proxy http://127.0.0.1:" + stalling.port_text() + " within 0.5 s"));
}

TEST_CASE("a 3 MB message sent over wss:// arrives whole, split over many frames and TLS records") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  std::string payload;
  for (int i = 0; payload.size() < 3'000'000; ++i)
    payload += std::to_string(i) + ",";
  const auto file = workspace.write("big", payload);
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "big", "-C", "1", "-q", "1"});
  const Outcome published = run_tool(workspace, "mqpub",
                                     {"-L", wss_url(broker.wss_port(), "big"), "--cafile",
                                      broker.certificates().ca.string(), "-q", "2", "-f", file.string()});
  CHECK(published.exit_code == 0);
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == payload + "\n");
}

// mosquitto 2.0.11's WebSocket listener sends a large message 4 KiB per turn of its loop, which
// idles for up to 100 ms: 100 kB (25 frames) is enough to cross frame boundaries quickly.
TEST_CASE("a 100 kB message received over ws:// arrives whole across the broker's frames") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  const std::string payload(100'000, 'w');
  auto subscriber = start_subscriber(workspace, {"-L", ws_url(broker.ws_port(), "big"), "-C", "1"});
  CHECK(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "big", "-m", payload}).exit_code == 0);
  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == payload + "\n");
}
