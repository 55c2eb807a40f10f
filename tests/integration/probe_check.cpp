// --probe, the connectivity check for support tickets: connect, print what the broker and its
// TLS said (as text or JSON), disconnect. It runs with mqpub's or mqsub's connection options
// and needs no topic or message.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/scenario.hpp"
#include "harness/web_servers.hpp"

using namespace mq::test;

TEST_CASE("--probe prints what the broker's CONNACK says it supports, marking MQTT's defaults") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"retain_available false", "max_packet_size 2048", "max_keepalive 30",
                       "max_inflight_messages 10"};
  setup.listener_lines = {"max_qos 1"};
  Broker broker{workspace, setup};

  const Outcome outcome = run_scenario(
      workspace, "mqsub", {"-h", "127.0.0.1", "-p", broker.port_text(), "-i", "probe-me", "--probe"});

  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
  CHECK(outcome.out == "broker: 127.0.0.1:" + broker.port_text() +
                           "\n"
                           "address: 127.0.0.1 port " +
                           broker.port_text() +
                           "\n"
                           "tls: no\n"
                           "mqtt: MQTT v5\n"
                           "session present: no\n"
                           "client id: probe-me\n"
                           "maximum QoS: 1\n"
                           "retain available: no\n"
                           "wildcard subscriptions: yes (default)\n"
                           "shared subscriptions: yes (default)\n"
                           "subscription identifiers: yes (default)\n"
                           "maximum packet size: 2048 bytes\n"
                           "topic alias maximum: 10\n"
                           "receive maximum: 10\n"
                           "server keep alive: 30 s\n");
}

TEST_CASE("--probe=json over TLS gives the TLS version, the chain and the capabilities as JSON") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};

  // Not run_scenario: the broker assigns a new client id each time.
  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", broker.tls_port_text(), "--cafile", broker.certificates().ca.string(), "--probe=json"});

  CHECK(outcome.exit_code == 0);
  const auto report = nlohmann::json::parse(outcome.out);
  CHECK(report["connected"] == true);
  CHECK(report["broker"] == "localhost:" + broker.tls_port_text());
  CHECK(report["address"] == "127.0.0.1");
  CHECK(report["tls"]["version"] == "TLSv1.3");
  CHECK(report["tls"]["host_name_checked"] == true);
  REQUIRE(report["tls"]["chain"].size() == 2);
  CHECK(report["tls"]["chain"][0]["subject"] == "CN=localhost,O=mq tests");
  CHECK(report["tls"]["chain"][0]["issuer"] == "CN=mq test CA,O=mq tests");
  CHECK(report["tls"]["chain"][0]["names"] == nlohmann::json{"localhost", "127.0.0.1", "::1"});
  CHECK(report["mqtt"]["version"] == "MQTT v5");
  CHECK(report["mqtt"]["client_id_assigned"] == true);
  CHECK(report["capabilities"]["maximum_qos"] == 2);
  CHECK(report["capabilities"]["topic_alias_maximum"] == 10);
  CHECK(report["capabilities"]["server_keep_alive"] == 60);
  CHECK(report["capabilities"]["assigned_client_id"] == report["mqtt"]["client_id"]);
}

TEST_CASE("--probe reports the fallback to MQTT v3.1.1, which has no CONNACK properties") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_v5};
  const Outcome outcome = run_scenario(
      workspace, "mqpub", {"-h", "127.0.0.1", "-p", broker.port_text(), "-i", "old-timer", "--probe"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "broker: 127.0.0.1:" + broker.port_text() + "\naddress: 127.0.0.1 port " +
                           broker.port_text() +
                           "\n"
                           "tls: no\n"
                           "mqtt: MQTT v3.1.1 (the broker refused MQTT v5)\n"
                           "session present: no\n"
                           "client id: old-timer\n"
                           "capabilities: not reported (MQTT v3.1.1 has no CONNACK properties)\n");
}

TEST_CASE("--probe=json of a failed connection prints the error and what TLS showed, with its exit code") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};
  const Certificates other = make_certificates_of_another_ca(workspace / "other");

  const Outcome outcome = run_scenario(
      workspace, "mqsub", {"-p", broker.tls_port_text(), "--cafile", other.ca.string(), "--probe", "json"});

  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err,
                 "mqsub: error: TLS handshake with localhost:" + broker.tls_port_text() + " failed"));
  const auto report = nlohmann::json::parse(outcome.out);
  CHECK(report["connected"] == false);
  CHECK(report["error"]["exit_code"] == 4);
  CHECK(report["error"]["message"] == "TLS handshake with localhost:" + broker.tls_port_text() +
                                          " failed: the server's certificate is not trusted");
  CHECK(report["tls"]["chain"][0]["subject"] == "CN=localhost,O=mq tests");
}

TEST_CASE("--probe takes only known formats") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqpub", {"--probe=xml"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--probe"));
}

TEST_CASE("--probe of a broker that requires a client certificate, and none given, says so") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  setup.require_certificate = true;
  Broker broker{workspace, setup};

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", broker.tls_port_text(), "--cafile", broker.certificates().ca.string(), "--probe=json"});

  CHECK(outcome.exit_code == 4);
  const auto report = nlohmann::json::parse(outcome.out);
  CHECK(report["connected"] == false);
  CHECK(report["error"]["exit_code"] == 4);
  CHECK(report["error"]["message"] == "TLS handshake with localhost:" + broker.tls_port_text() +
                                          " failed: the broker requires a client certificate");
}

TEST_CASE("--probe through a PSK listener connects and names the key as what is trusted") {
  Workspace workspace;
  const std::string key = "00112233445566778899aabbccddeeff";
  const int psk_port = free_port();
  BrokerSetup setup;
  add_psk_listener(setup, workspace, psk_port, "probe", key);
  Broker broker{workspace, setup};

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", std::to_string(psk_port), "--psk", key, "--psk-identity", "probe", "--probe"});

  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "TLS"));
}

TEST_CASE("--probe as text over TLS shows the version, the chain, and that --insecure skipped the name") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};

  const Outcome outcome = run_tool(workspace, "mqpub",
                                   {"-h", "127.0.0.1", "-p", broker.tls_port_text(), "--cafile",
                                    broker.certificates().ca.string(), "--insecure", "--probe"});

  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "tls: TLSv1.3, cipher "));
  CHECK(contains(outcome.out, "tls host name: not checked (--insecure)\n"));
  CHECK(contains(outcome.out, "certificate 0: "));
  CHECK(contains(outcome.out, "CN=localhost"));
}

TEST_CASE("--probe over ws:// names the transport, the HTTP status and the subprotocol mosquitto agreed to") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker()};
  const std::string port = std::to_string(broker.ws_port());

  const Outcome outcome = run_tool(workspace, "mqsub", {"-L", "ws://127.0.0.1:" + port + "/t", "--probe"});

  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "broker: ws://127.0.0.1:" + port +
                                  "/mqtt\n"
                                  "transport: ws\n"
                                  "proxy: none\n"
                                  "address: 127.0.0.1 port " +
                                  port +
                                  "\n"
                                  "http status: HTTP/1.1 101 Switching Protocols\n"
                                  "websocket subprotocol: mqtt\n"
                                  "tls: no\n"
                                  "mqtt: MQTT v5\n"));
}

TEST_CASE("--probe=json of wss:// through tinyproxy names the proxy, the status, the subprotocol and TLS") {
  Workspace workspace;
  Broker broker{workspace, websocket_broker(true)};
  HttpProxy proxy{workspace, broker.wss_port(), {{"probe", "secret"}}};
  const std::string port = std::to_string(broker.wss_port());

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-L", "wss://localhost:" + port + "/t", "--cafile", broker.certificates().ca.string(),
                "--proxy", proxy.url("probe:secret"), "--probe=json"});

  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  const auto report = nlohmann::json::parse(outcome.out);
  CHECK(report["connected"] == true);
  CHECK(report["transport"] == "wss");
  CHECK(report["proxy"] == "http://probe:***@127.0.0.1:" + std::to_string(proxy.port()) + " (HTTP CONNECT)");
  CHECK(report["address"] == "127.0.0.1");
  CHECK(report["port"] == proxy.port());
  CHECK(report["http_status"] == "HTTP/1.1 101 Switching Protocols");
  CHECK(report["subprotocol"] == "mqtt");
  CHECK(report["tls"]["version"] == "TLSv1.3");
  CHECK_FALSE(contains(outcome.out, "secret"));
}

TEST_CASE("--probe of plain MQTT through tinyproxy names the proxy and no HTTP status of its own") {
  Workspace workspace;
  Broker broker{workspace};
  HttpProxy proxy{workspace, broker.port()};

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-L", "mqtt://localhost:" + broker.port_text() + "/t", "--proxy", proxy.url(), "--probe"});

  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "transport: mqtt\n"
                              "proxy: " +
                                  proxy.url() +
                                  " (HTTP CONNECT)\n"
                                  "proxy address: 127.0.0.1 port " +
                                  std::to_string(proxy.port()) +
                                  "\n"
                                  "tls: no\n"));
}
