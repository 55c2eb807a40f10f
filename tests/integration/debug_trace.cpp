// -d/--debug: the trace of packets (with their fields and reason codes), of the TLS handshake
// and of the second look at an ambiguous port, on stderr.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/scenario.hpp"

using namespace mq::test;

TEST_CASE("-d shows the CONNECT fields, the CONNACK properties and the SUBACK codes") {
  Workspace workspace;
  BrokerSetup setup;
  setup.users = {{"alice", "wonderland"}};
  setup.anonymous = false;
  setup.denied_subscriptions = {"secret/#"};
  Broker broker{workspace, setup};

  const Outcome outcome =
      run_tool(workspace, "mqsub",
               {"-p", broker.port_text(), "-i", "tracer", "-u", "alice", "-P", "wonderland", "-k", "30",
                "--will-topic", "gone", "-t", "public/#", "-t", "secret/#", "-d"});

  CHECK(outcome.exit_code == 6);
  CHECK(contains(outcome.err,
                 "mqsub: debug: CONNECT: MQTT v5, client id 'tracer', clean start, keepalive 30 s, "
                 "username 'alice' with a password, will to 'gone' (QoS 0)\n"));
  CHECK(contains(outcome.err,
                 "mqsub: debug: CONNACK: accepted (success, reason code 0x00), session present: no, "
                 "properties: topic-alias-maximum=10"));
  CHECK(contains(outcome.err, "mqsub: debug: SUBACK (mid 1): [0] granted QoS 0, [1] refused: not authorized, "
                              "reason code 0x87\n"));
}

TEST_CASE("-d shows a publish refused in its PUBACK") {
  Workspace workspace;
  BrokerSetup setup;
  setup.acl = "topic readwrite public/#\n";
  Broker broker{workspace, setup};
  const Outcome outcome =
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "secret", "-m", "x", "-q", "1", "-d"});
  CHECK(outcome.exit_code == 6);
  CHECK(contains(outcome.err,
                 "mqpub: debug: publish (mid 1) finished: refused: not authorized, reason code 0x87\n"));
}

TEST_CASE("-d shows the TLS handshake: messages, version, cipher and the server's chain") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  setup.require_certificate = true;
  Broker broker{workspace, setup};
  const Certificates& certificates = broker.certificates();

  const Outcome outcome = run_tool(workspace, "mqpub",
                                   {"-p", broker.tls_port_text(), "--cafile", certificates.ca.string(),
                                    "--cert", certificates.client_cert.string(), "--key",
                                    certificates.client_key.string(), "-t", "t", "-m", "x", "-d"});

  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.err, "mqpub: debug: TLS sent ClientHello\n"));
  CHECK(contains(outcome.err, "mqpub: debug: TLS received ServerHello\n"));
  CHECK(contains(outcome.err, "mqpub: debug: TLS received CertificateRequest\n"));
  CHECK(contains(outcome.err, "mqpub: debug: TLS handshake done: TLSv1.3, cipher "));
  CHECK(contains(outcome.err,
                 "mqpub: debug: TLS certificate [0]: subject 'CN=localhost,O=mq tests', issuer 'CN=mq "
                 "test CA,O=mq tests', valid "));
  CHECK(contains(outcome.err, "names: localhost, 127.0.0.1, ::1\n"));
}

TEST_CASE("-d shows a DISCONNECT from the broker with its reason code") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::disconnect_after_connack, FakeReply{0x98, "", ""}};
  const Outcome outcome =
      run_tool(workspace, "mqsub", {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "-d"});
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err,
                 "mqsub: debug: DISCONNECT from the broker: administrative action, reason code 0x98"));
  CHECK(contains(outcome.err, "cause: an administrator of the broker disconnected this client"));
}

TEST_CASE("-d shows the second look at a port that answered a TLS client without TLS") {
  Workspace workspace;
  Broker broker{workspace};
  const Certificates certificates = make_certificates(workspace / "certs");
  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", broker.port_text(), "--cafile", certificates.ca.string(), "-t", "t", "-m", "x", "-d"});
  CHECK(outcome.exit_code == 4);
  CHECK(contains(outcome.err, "mqpub: debug: second look at localhost:" + broker.port_text() +
                                  ": it speaks plain MQTT\n"));
}

TEST_CASE("-d shows every reconnect with its attempt number, its delay and why") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::never_acknowledge};
  auto publisher = start_tool(workspace, "mqpub",
                              {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "-l", "-q", "1", "-d",
                               "--reconnect-attempts", "2"},
                              "one\n");
  REQUIRE(publisher->wait_for_stderr("sending PUBLISH (d0, q1, r0, m1"));

  broker.stop();
  const Outcome outcome = publisher->finish();

  CHECK(outcome.exit_code == 9);
  const std::string where = "127.0.0.1:" + broker.port_text();
  CHECK(contains(outcome.err, "mqpub: debug: reconnecting to " + where + " in 100 ms (attempt 1 of 2): "));
  CHECK(contains(outcome.err, "mqpub: debug: reconnecting to " + where + " in 200 ms (attempt 2 of 2): "));
}
