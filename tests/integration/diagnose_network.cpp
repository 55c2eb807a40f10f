// Diagnoses of failures to reach a broker: nothing listening, a name that does not resolve, a
// server that never answers, and a port that speaks the other protocol (TLS or plain MQTT).
// Each scenario runs three times and must print the same thing each time.
#include <doctest/doctest.h>

#include <fstream>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/network.hpp"
#include "harness/scenario.hpp"

using namespace mq::test;

namespace {

BrokerSetup tls_broker() {
  BrokerSetup setup;
  setup.tls = true;
  return setup;
}

}  // namespace

TEST_CASE("11: nothing listening is exit 3, naming host and port and the usual ports") {
  Workspace workspace;
  const std::string port = std::to_string(free_port());
  const Outcome outcome = run_scenario(workspace, "mqsub", {"-h", "127.0.0.1", "-p", port, "-t", "t"});
  CHECK(outcome.exit_code == 3);
  CHECK(outcome.err ==
        "mqsub: error: cannot connect to 127.0.0.1:" + port +
            "\n"
            "  cause: nothing is listening there (connection refused)\n"
            "  fix: start the broker, or check -h and -p; the usual MQTT port is 1883, and 8883 "
            "for TLS (add --cafile for TLS)\n");
}

TEST_CASE("12: a name that does not resolve is exit 3 and names it") {
  Workspace workspace;
  const Outcome outcome = run_scenario(
      workspace, "mqpub", {"-h", "no-such-broker.invalid", "-t", "t", "-m", "x"}, ipv6_first_localhost);
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "mqpub: error: cannot resolve the broker's name 'no-such-broker.invalid'"));
  CHECK(contains(outcome.err, "fix: check the spelling of -h"));
}

TEST_CASE("13: a server that accepts TCP but never answers ends at --connect-timeout with exit 3") {
  Workspace workspace;
  FakeBroker server{FakeBehaviour::silent};

  SUBCASE("plain MQTT") {
    const Outcome outcome =
        run_scenario(workspace, "mqsub",
                     {"-h", "127.0.0.1", "-p", server.port_text(), "-t", "t", "--connect-timeout", "0.5"});
    CHECK(outcome.exit_code == 3);
    CHECK(outcome.err ==
          "mqsub: error: no answer from 127.0.0.1:" + server.port_text() +
              " within 0.5 s\n"
              "  cause: the server accepted the TCP connection but did not answer the MQTT CONNECT\n"
              "  fix: check that this port serves MQTT (a TLS port needs --cafile); "
              "--connect-timeout sets the limit\n");
  }
  SUBCASE("TLS") {
    const Certificates certificates = make_certificates(workspace / "certs");
    const Outcome outcome =
        run_scenario(workspace, "mqpub",
                     {"-h", "127.0.0.1", "-p", server.port_text(), "--cafile", certificates.ca.string(), "-t",
                      "t", "-m", "x", "--connect-timeout", "0.5"});
    CHECK(outcome.exit_code == 3);
    CHECK(contains(outcome.err, "no TLS handshake with 127.0.0.1:" + server.port_text() + " within 0.5 s"));
    CHECK(contains(outcome.err, "did not answer our TLS greeting"));
  }
}

TEST_CASE("1: a TLS client on a plain MQTT port is told the port speaks plain MQTT, exit 4") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const Outcome outcome = run_scenario(
      workspace, "mqpub",
      {"-p", broker.port_text(), "--cafile", broker.certificates().ca.string(), "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 4);
  CHECK(outcome.err ==
        "mqpub: error: TLS handshake with localhost:" + broker.port_text() +
            " failed: the port speaks plain MQTT, not TLS\n"
            "  cause: the server closed the connection at our TLS greeting, and answered a plain MQTT "
            "CONNECT on a second connection\n"
            "  fix: connect without TLS (drop --cafile, --capath, --cert, --tls-use-os-certs or "
            "mqtts://), or use the broker's TLS port (usually 8883)\n");
}

TEST_CASE("2: a plain client on a TLS port (forgotten --cafile) is told to add --cafile, exit 4") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  for (const std::string tool : {"mqsub", "mqpub"}) {
    CAPTURE(tool);
    std::vector<std::string> arguments{"-p", broker.tls_port_text(), "-t", "t"};
    if (tool == "mqpub") arguments.insert(arguments.end(), {"-m", "x"});
    const Outcome outcome = run_scenario(workspace, tool, arguments);
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.err ==
          tool + ": error: the broker at localhost:" + broker.tls_port_text() +
              " expects TLS: it closed the connection when we spoke plain MQTT\n"
              "  cause: the port answered a TLS handshake on a second connection, presenting the "
              "certificate 'CN=localhost,O=mq tests' issued by 'CN=mq test CA,O=mq tests'\n"
              "  fix: add --cafile FILE with the certificate of the CA 'CN=mq test CA,O=mq tests' (or "
              "--tls-use-os-certs if it is a public CA)\n");
  }
}

TEST_CASE("a broker that drops a plain client without CONNACK is told apart from a TLS port, exit 7") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"max_packet_size 1000"};  // our CONNECT with a large will is too large
  Broker broker{workspace, setup};

  const Outcome outcome = run_scenario(workspace, "mqpub",
                                       {"-p", broker.port_text(), "-t", "t", "-m", "x", "--will-topic", "w",
                                        "--will-payload", std::string(2000, 'w')});

  CHECK(outcome.exit_code == 7);
  CHECK(outcome.err ==
        "mqpub: error: the broker at localhost:" + broker.port_text() +
            " closed the connection without answering our CONNECT\n"
            "  cause: the port speaks plain MQTT (it answered a second, minimal CONNECT), so the "
            "broker refused something in ours without saying what\n"
            "  fix: check the broker's log for this client: its connection limit, the client id (-i), "
            "the last will (--will-*) or the username may be refused\n");
}

TEST_CASE("a port that is not MQTT at all is named so, with or without TLS") {
  Workspace workspace;
  FakeBroker web_server{FakeBehaviour::http};

  const Outcome plain = run_scenario(workspace, "mqpub",
                                     {"-h", "127.0.0.1", "-p", web_server.port_text(), "-t", "t", "-m", "x"});
  CHECK(plain.exit_code == 3);
  CHECK(plain.err ==
        "mqpub: error: the server at 127.0.0.1:" + web_server.port_text() +
            " does not answer as an MQTT broker\n"
            "  cause: on a second connection the port answered neither a TLS handshake nor a plain MQTT "
            "CONNECT\n"
            "  fix: check that -p is an MQTT port (usually 1883, and 8883 for TLS; a WebSocket port needs "
            "another client)\n");

  const Certificates certificates = make_certificates(workspace / "certs");
  const Outcome tls = run_scenario(
      workspace, "mqsub",
      {"-h", "127.0.0.1", "-p", web_server.port_text(), "--cafile", certificates.ca.string(), "-t", "t"});
  CHECK(tls.exit_code == 4);
  CHECK(contains(tls.err,
                 "mqsub: error: TLS handshake with 127.0.0.1:" + web_server.port_text() + " failed\n"));
  CHECK(contains(tls.err, "on a second connection did not answer a plain MQTT CONNECT either"));
}

TEST_CASE(
    "a broker at its connection limit, which closes new connections without a word, is named so, exit 3") {
  Workspace workspace;
  // Listeners of their own, which the harness does not probe for readiness: mosquitto 2.0.11 counts
  // a connection closed before CONNECT out twice, and then lets one more client in.
  const Certificates certificates = make_certificates(workspace / "certs");
  const std::string plain_port = std::to_string(free_port());
  const std::string tls_port = std::to_string(free_port());
  BrokerSetup setup;
  setup.extra_lines = {
      "listener " + plain_port + " 127.0.0.1",         "max_connections 1",
      "listener " + tls_port + " 127.0.0.1",           "max_connections 1",
      "certfile " + certificates.server_cert.string(), "keyfile " + certificates.server_key.string()};
  Broker broker{workspace, setup};
  auto holder = start_tool(workspace, "mqsub", {"-p", plain_port, "-d", "-t", "held"});
  auto tls_holder = start_tool(workspace, "mqsub",
                               {"-p", tls_port, "--cafile", certificates.ca.string(), "-d", "-t", "held"});
  REQUIRE(holder->wait_for_stderr("debug: subscribed to held"));
  REQUIRE(tls_holder->wait_for_stderr("debug: subscribed to held"));

  const Outcome plain =
      run_scenario(workspace, "mqpub", {"-h", "127.0.0.1", "-p", plain_port, "-t", "t", "-m", "x"});
  CHECK(plain.exit_code == 3);
  CHECK(plain.err ==
        "mqpub: error: the broker at 127.0.0.1:" + plain_port +
            " closes connections as soon as it accepts them\n"
            "  cause: it closed our connection without a word, and a second one too: a broker that turns new "
            "clients away does this\n"
            "  fix: see the broker's log for why; mosquitto says \"max_connections exceeded\" (raise "
            "max_connections) or \"denied access by tcpd\" (/etc/hosts.allow and /etc/hosts.deny, which the "
            "user it runs as must be able to read)\n");
  CHECK(contains(broker.log(), "max_connections exceeded"));

  const Outcome tls =
      run_scenario(workspace, "mqsub",
                   {"-h", "127.0.0.1", "-p", tls_port, "--cafile", certificates.ca.string(), "-t", "t"});
  CHECK(tls.exit_code == 3);
  CHECK(contains(tls.err, "mqsub: error: the broker at 127.0.0.1:" + tls_port +
                              " closes connections as soon as it accepts them\n"));
}

TEST_CASE("a connect to ::1 where IPv6 is turned off names that as well as used-up local ports, exit 3") {
  Workspace workspace;
  const PrivateNetwork network{workspace};  // its own IPv6 settings
  for (const char* setting :
       {"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/lo/disable_ipv6"})
    std::ofstream{setting} << "1\n";
  const Outcome outcome = run_scenario(workspace, "mqpub", {"-h", "::1", "-p", "1883", "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "mqpub: error: cannot connect to [::1]:1883\n"));
  CHECK(contains(outcome.err, "or it has no address of the broker's family (IPv6 turned off)"));
  CHECK(contains(outcome.err, "without IPv6, give the broker's IPv4 address"));
}
