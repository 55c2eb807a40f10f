// TLS with certificates made by openssl at test time.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

BrokerSetup tls_broker() {
  BrokerSetup setup;
  setup.tls = true;
  return setup;
}

}  // namespace

TEST_CASE("a message goes through a TLS listener with --cafile") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const std::string ca = broker.certificates().ca.string();
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.tls_port_text(), "--cafile", ca, "-t", "secure", "-C", "1"});

  const Outcome published =
      run_tool(workspace, "mqpub",
               {"-p", broker.tls_port_text(), "--cafile", ca, "-t", "secure", "-m", "over tls", "-q", "1"});

  CHECK(published.exit_code == 0);
  CHECK(published.err == "");
  CHECK(subscriber->finish().out == "over tls\n");
}

TEST_CASE("-d shows the negotiated TLS version and the server's certificate") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const Outcome outcome = run_tool(workspace, "mqpub",
                                   {"-p", broker.tls_port_text(), "--cafile",
                                    broker.certificates().ca.string(), "-t", "t", "-m", "x", "-d"});
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.err, "TLS handshake done: TLSv1.3"));
  CHECK(contains(outcome.err, "CN=localhost"));
}

TEST_CASE("a server certificate from an unknown CA is exit 4 naming subject and issuer") {
  Workspace workspace;
  Broker broker{workspace, tls_broker()};
  const Certificates other = make_certificates_of_another_ca(workspace / "other");
  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", broker.tls_port_text(), "--cafile", other.ca.string(), "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "not signed by a CA trusted by --cafile " + other.ca.string()));
  CHECK(contains(outcome.err, "CN=localhost"));
  CHECK(contains(outcome.err, "CN=mq test CA"));
}

TEST_CASE("a missing --cafile is a usage error (exit 2) naming the option and the path") {
  Workspace workspace;
  const std::string missing = (workspace / "nope.pem").string();
  const Outcome outcome = run_tool(
      workspace, "mqpub", {"-p", std::to_string(free_port()), "--cafile", missing, "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--cafile '" + missing + "' cannot be read"));
}
