// Every tool that connects reaches the broker through each address its name resolves to
// (issue 11): where localhost is ::1 first, as on every Debian install and container, and the
// broker listens on 127.0.0.1 only; and the other way round. mqpasswd opens no connection.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/certificates.hpp"
#include "harness/tls_server.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// Each connecting tool once against `broker` by the name localhost, resolved as `resolution`
// says; every run must connect and do its job.
void every_tool_connects(const Workspace& workspace, const Broker& broker, const NameResolution& resolution) {
  const std::string port = broker.port_text();
  const std::vector<std::string> where{"-h", "localhost", "-p", port};
  const auto with = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), where.begin(), where.end());
    return arguments;
  };

  Outcome outcome = run_tool_resolving(workspace, resolution, "mqpub",
                                       with({"-t", "names/a", "-m", "hi", "-q", "1", "-r"}));
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);

  outcome =
      run_tool_resolving(workspace, resolution, "mqsub", with({"-t", "names/a", "-C", "1", "-W", "10"}));
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(outcome.out == "hi\n");

  outcome = run_tool_resolving(workspace, resolution, "mqpub", with({"--probe=json"}));
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "\"connected\":true"));

  outcome = run_tool_resolving(workspace, resolution, "mqbench",
                               with({"pubsub", "-c", "2", "--count", "20", "-q", "1"}));
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "connections: 4 of 4 made"));

  outcome = run_tool_resolving(workspace, resolution, "mqbench", with({"conn", "-c", "3", "--hold", "0"}));
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.out, "connections: 3 of 3 made"));
}

}  // namespace

TEST_CASE("with localhost ::1 first and a broker on 127.0.0.1 only, every tool connects") {
  Workspace workspace;
  Broker broker{workspace};
  every_tool_connects(workspace, broker, ipv6_first_localhost);
}

TEST_CASE("with localhost 127.0.0.1 first and a broker on ::1 only, every tool connects") {
  Workspace workspace;
  BrokerSetup setup;
  setup.address = "::1";
  Broker broker{workspace, setup};
  every_tool_connects(workspace, broker, ipv4_first_localhost);
}

TEST_CASE("-d names each address tried, and a refusal on all of them lists them, exit 3") {
  Workspace workspace;
  Broker broker{workspace};
  Outcome outcome = run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                                       {"-p", broker.port_text(), "-t", "t", "-m", "x", "-d"});
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.err, "debug: trying ::1 (1 of 2)"));
  CHECK(contains(outcome.err, "debug: trying 127.0.0.1 (2 of 2)"));

  const std::string closed = std::to_string(free_port());
  outcome =
      run_tool_resolving(workspace, ipv6_first_localhost, "mqpub", {"-p", closed, "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(outcome.err ==
        "mqpub: error: cannot connect to localhost:" + closed +
            "\n  cause: nothing is listening there (connection refused); tried ::1 and 127.0.0.1\n"
            "  fix: start the broker, or check -h and -p; the usual MQTT port is 1883, and 8883 for "
            "TLS (add --cafile for TLS)\n");
}

TEST_CASE("--bind-address pairs with the broker's address of its family") {
  Workspace workspace;
  Broker broker{workspace};
  Outcome outcome =
      run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                         {"-p", broker.port_text(), "-A", "127.0.0.1", "-t", "t", "-m", "x", "-d"});
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK_FALSE(contains(outcome.err, "trying ::1"));  // no IPv6 address to bind to: skipped

  outcome =
      run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                         {"-h", "127.0.0.1", "-p", broker.port_text(), "-A", "::1", "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err,
                 "error: cannot connect to 127.0.0.1:" + broker.port_text() + " from --bind-address '::1'"));
  CHECK(contains(outcome.err,
                 "cause: the broker's addresses (127.0.0.1) are not of the family (IPv4 or IPv6) of '::1'"));
}

TEST_CASE("over TLS, the certificate is checked against the name given and the ClientHello carries it") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  Broker broker{workspace, setup};
  const Outcome outcome =
      run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                         {"-h", "localhost", "-p", broker.tls_port_text(), "--cafile",
                          broker.certificates().ca.string(), "-t", "t", "-m", "x", "-q", "1"});
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);

  // The session connects to a numeric address; the server must still be told the name (SNI).
  const Certificates certificates = make_certificates(workspace / "sni");
  TlsServer server{workspace, certificates, {"-trace"}};
  run_tool_resolving(workspace, ipv6_first_localhost, "mqpub",
                     {"-h", "localhost", "-p", server.port_text(), "--cafile", certificates.ca.string(), "-t",
                      "t", "-m", "x", "--connect-timeout", "1"});
  CHECK(contains(server.log(), "extension_type=server_name(0)"));
  CHECK(contains(server.log(), ".localhost"));
  TlsServer by_address{workspace, certificates, {"-trace"}};
  run_tool(workspace, "mqpub",
           {"-h", "127.0.0.1", "-p", by_address.port_text(), "--cafile", certificates.ca.string(), "-t", "t",
            "-m", "x", "--connect-timeout", "1"});
  CHECK(contains(by_address.log(), "ClientHello"));
  CHECK_FALSE(contains(by_address.log(), "extension_type=server_name(0)"));  // an address is no server name
}
