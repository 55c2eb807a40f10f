// Diagnoses of refusals by the broker: credentials (9), authorization (10), protocol version
// and client id (14), and a connection the broker ends with a reason (15). Real mosquitto where
// it shows the behaviour, the fake broker for what mosquitto 2.0 never sends.
// Each scenario runs three times and must print the same thing each time.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/scenario.hpp"

using namespace mq::test;

namespace {

BrokerSetup password_broker() {
  BrokerSetup setup;
  setup.anonymous = false;
  setup.users = {{"alice", "wonderland"}};
  return setup;
}

std::vector<std::string> to_fake(const FakeBroker& broker, std::vector<std::string> extra) {
  std::vector<std::string> arguments{"-h", "127.0.0.1", "-p", broker.port_text()};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

// The protocol levels of `times` runs that each sent the CONNECTs `each_run`.
std::vector<int> repeated(const std::vector<int>& each_run, int times) {
  std::vector<int> levels;
  for (int run = 0; run < times; ++run)
    levels.insert(levels.end(), each_run.begin(), each_run.end());
  return levels;
}

}  // namespace

TEST_CASE("9: a wrong password is exit 5, names the user and says the password is wrong") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  const Outcome outcome = run_scenario(
      workspace, "mqpub", {"-p", broker.port_text(), "-u", "alice", "-P", "wrong", "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 5);
  CHECK(outcome.err == "mqpub: error: the broker at localhost:" + broker.port_text() +
                           " refused the login (not authorized, reason code 0x87)\n"
                           "  cause: the password for user 'alice' is wrong, or this user may not connect\n"
                           "  fix: check -u and the password (-P, --pw-file or MQ_PASSWORD)\n");
}

TEST_CASE("9: no credentials where the broker requires them is exit 5 and says none were given") {
  Workspace workspace;
  Broker broker{workspace, password_broker()};
  const Outcome outcome =
      run_scenario(workspace, "mqsub", {"-p", broker.port_text(), "-V", "311", "-t", "t"});
  CHECK(outcome.exit_code == 5);
  CHECK(outcome.err == "mqsub: error: the broker at localhost:" + broker.port_text() +
                           " refused the login (not authorized, CONNACK code 5)\n"
                           "  cause: the broker requires a username and password, and none was given\n"
                           "  fix: add -u USERNAME and a password with --pw-file FILE, MQ_PASSWORD or -P\n");
}

TEST_CASE("10: a publish the ACL denies is exit 6 over MQTT v5 with QoS 1") {
  Workspace workspace;
  BrokerSetup setup;
  setup.acl = "topic readwrite public/#\n";
  Broker broker{workspace, setup};
  const Outcome outcome = run_scenario(
      workspace, "mqpub", {"-p", broker.port_text(), "-t", "secret/plans", "-m", "x", "-q", "1"});
  CHECK(outcome.exit_code == 6);
  CHECK(outcome.err ==
        "mqpub: error: the broker refused the message to 'secret/plans' (not authorized, reason "
        "code 0x87)\n"
        "  cause: the broker's access control does not let this client publish to 'secret/plans'; "
        "messages: sent 1, acknowledged 0, not acknowledged 0, refused 1\n"
        "  fix: check the broker's ACL for this user and topic\n");

  SUBCASE("over MQTT v3.1.1 the broker cannot say so: -d explains it and suggests -V 5") {
    const Outcome v311 =
        run_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-V", "311", "-t", "secret/plans", "-m", "x", "-q", "1", "-d"});
    CHECK(v311.exit_code == 0);
    CHECK(contains(v311.err, "MQTT v3.1.1 cannot report a refused publish"));
    CHECK(contains(v311.err, "use -V 5"));
  }
  SUBCASE("at QoS 0 nobody is told either: -d explains it and suggests -q 1") {
    const Outcome qos0 =
        run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "secret/plans", "-m", "x", "-d"});
    CHECK(qos0.exit_code == 0);
    CHECK(contains(qos0.err, "QoS 0 is never acknowledged"));
    CHECK(contains(qos0.err, "use -q 1 with MQTT v5"));
  }
}

TEST_CASE("10: a subscription the broker denies is exit 6, with the reason over v5 and a hint over v3.1.1") {
  Workspace workspace;
  BrokerSetup setup = password_broker();
  setup.denied_subscriptions = {"secret/#"};
  Broker broker{workspace, setup};
  const std::vector<std::string> login{"-p", broker.port_text(), "-u", "alice",
                                       "-P", "wonderland",       "-t", "secret/#"};

  std::vector<std::string> v5 = login;
  v5.insert(v5.end(), {"-V", "5"});
  const Outcome refused_v5 = run_scenario(workspace, "mqsub", v5);
  CHECK(refused_v5.exit_code == 6);
  CHECK(refused_v5.err ==
        "mqsub: error: the broker refused the subscription to 'secret/#' (not authorized, reason "
        "code 0x87)\n"
        "  cause: the broker's access control does not let this client subscribe to 'secret/#'\n"
        "  fix: check the broker's ACL for this user and filter\n");

  std::vector<std::string> v311 = login;
  v311.insert(v311.end(), {"-V", "311"});
  const Outcome refused_v311 = run_scenario(workspace, "mqsub", v311);
  CHECK(refused_v311.exit_code == 6);
  CHECK(contains(refused_v311.err, "(unspecified error, reason code 0x80)"));
  CHECK(contains(refused_v311.err, "MQTT v3.1.1 reports only 'failure'"));
}

TEST_CASE("14: MQTT v5 refused with -V 5 given is exit 7, naming the version and suggesting -V 311") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_v5};
  const Outcome outcome =
      run_scenario(workspace, "mqpub", to_fake(broker, {"-V", "5", "-t", "t", "-m", "x"}));
  CHECK(outcome.exit_code == 7);
  CHECK(broker.connect_levels() == repeated({5}, scenario_runs()));
  CHECK(outcome.err == "mqpub: error: the broker at 127.0.0.1:" + broker.port_text() +
                           " refused MQTT v5 (unsupported protocol version, reason code 0x84)\n"
                           "  cause: the broker does not speak MQTT v5, which -V 5 asks for\n"
                           "  fix: use -V 311 (MQTT v3.1.1), or drop -V to fall back to it automatically\n");
}

TEST_CASE("14: a broker that refuses MQTT v5 and then v3.1.1 is exit 7 and suggests -V 31") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_all};
  const Outcome outcome = run_scenario(workspace, "mqpub", to_fake(broker, {"-t", "t", "-m", "x"}));
  CHECK(outcome.exit_code == 7);
  CHECK(broker.connect_levels() == repeated({5, 4}, scenario_runs()));
  CHECK(contains(outcome.err,
                 "refused MQTT v5 and MQTT v3.1.1 (unacceptable protocol version, CONNACK code 1)"));
  CHECK(contains(outcome.err, "fix: try -V 31"));

  SUBCASE("and MQTT v3.1 refused suggests -V 311") {
    const Outcome v31 = run_scenario(workspace, "mqsub", to_fake(broker, {"-V", "31", "-t", "t"}));
    CHECK(v31.exit_code == 7);
    CHECK(contains(v31.err, "refused MQTT v3.1 (unacceptable protocol version, CONNACK code 1)"));
    CHECK(contains(v31.err, "fix: use -V 311"));
  }
}

TEST_CASE("14: a broker that requires a client id says so and suggests -i, exit 7") {
  Workspace workspace;
  BrokerSetup setup;
  setup.extra_lines = {"allow_zero_length_clientid false"};
  Broker broker{workspace, setup};

  const Outcome v311 =
      run_scenario(workspace, "mqpub", {"-p", broker.port_text(), "-V", "311", "-t", "t", "-m", "x"});
  CHECK(v311.exit_code == 7);
  CHECK(v311.err ==
        "mqpub: error: the broker at localhost:" + broker.port_text() +
            " refused the connection (identifier rejected, CONNACK code 2)\n"
            "  cause: the broker does not accept an empty client id (we let the broker choose one)\n"
            "  fix: give a client id with -i ID\n");

  // mosquitto gives MQTT v5 clients no reason here; we know we sent no id, and say so.
  const Outcome v5 = run_scenario(workspace, "mqpub", {"-p", broker.port_text(), "-t", "t", "-m", "x"});
  CHECK(v5.exit_code == 7);
  CHECK(contains(v5.err, "(unspecified error, reason code 0x80)"));
  CHECK(contains(v5.err, "fix: give a client id with -i ID"));

  CHECK(
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-i", "me", "-t", "t", "-m", "x"}).exit_code ==
      0);
}

TEST_CASE("14: a client id the broker rejects is exit 7 and suggests another -i") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_connect, FakeReply{0x85, "", ""}};
  const Outcome outcome = run_scenario(workspace, "mqsub", to_fake(broker, {"-i", "taken", "-t", "t"}));
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "refused the connection (client identifier not valid, reason code 0x85)"));
  CHECK(contains(outcome.err, "cause: the broker does not accept this client id"));
  CHECK(contains(outcome.err, "fix: choose another id with -i"));
}

TEST_CASE("15: a v5 CONNACK refusal shows the reason code and the broker's reason string") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_connect, FakeReply{0x8A, "too many failed logins", ""}};
  const Outcome outcome = run_scenario(workspace, "mqpub", to_fake(broker, {"-t", "t", "-m", "x"}));
  CHECK(outcome.exit_code == 7);
  CHECK(outcome.err ==
        "mqpub: error: the broker at 127.0.0.1:" + broker.port_text() +
            " refused the connection (banned, reason code 0x8A)\n"
            "  cause: the broker has banned this client; the broker says: \"too many failed logins\"\n"
            "  fix: ask the broker's administrator\n");
}

TEST_CASE("15: a broker that sends its clients elsewhere names the server") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::refuse_connect, FakeReply{0x9D, "", "mqtt.example.net:1883"}};
  const Outcome outcome = run_scenario(workspace, "mqpub", to_fake(broker, {"-t", "t", "-m", "x"}));
  CHECK(outcome.exit_code == 7);
  CHECK(contains(outcome.err, "(server moved, reason code 0x9D)"));
  CHECK(contains(outcome.err, "cause: the broker sends its clients to 'mqtt.example.net:1883'"));
  CHECK(contains(outcome.err, "fix: connect to mqtt.example.net:1883 instead (-h, -p)"));
}

// libmosquitto 2.0 frees a received DISCONNECT's properties before its callback runs, so the
// broker's reason string never reaches us; the reason code does.
TEST_CASE("15: a DISCONNECT after CONNACK shows the reason code") {
  Workspace workspace;

  SUBCASE("server shutting down is worth reconnecting, then exit 3") {
    FakeBroker broker{FakeBehaviour::disconnect_after_connack,
                      FakeReply{0x8B, "maintenance until 14:00", ""}};
    const std::string closed = "the broker at 127.0.0.1:" + broker.port_text() +
                               " closed the connection (server shutting down, reason code 0x8B)";
    const Outcome outcome =
        run_scenario(workspace, "mqsub", to_fake(broker, {"-t", "t", "--reconnect-attempts", "2"}));
    CHECK(outcome.exit_code == 3);
    CHECK(contains(outcome.err, "mqsub: " + closed + " (the broker is shutting down); reconnecting\n"));
    CHECK(contains(outcome.err, "mqsub: reconnected to 127.0.0.1:" + broker.port_text() + "\n"));
    // Each reconnect is dropped at once: it does not count as a success, so the attempts run out.
    CHECK(outcome.err.ends_with("mqsub: error: " + closed +
                                "; gave up after 2 reconnect attempts\n"
                                "  cause: the broker is shutting down\n"
                                "  fix: connect again once the broker is back\n"));
  }
  SUBCASE("without reconnecting, server shutting down is exit 3 at once") {
    FakeBroker broker{FakeBehaviour::disconnect_after_connack, FakeReply{0x8B, "", ""}};
    const Outcome outcome =
        run_scenario(workspace, "mqsub", to_fake(broker, {"-t", "t", "--reconnect-attempts", "0"}));
    CHECK(outcome.exit_code == 3);
    CHECK(outcome.err == "mqsub: error: the broker at 127.0.0.1:" + broker.port_text() +
                             " closed the connection (server shutting down, reason code 0x8B)\n"
                             "  cause: the broker is shutting down\n"
                             "  fix: connect again once the broker is back\n");
  }
  SUBCASE("session taken over is exit 7") {
    FakeBroker broker{FakeBehaviour::disconnect_after_connack, FakeReply{0x8E, "", ""}};
    const Outcome outcome = run_scenario(workspace, "mqsub", to_fake(broker, {"-i", "twin", "-t", "t"}));
    CHECK(outcome.exit_code == 7);
    CHECK(contains(outcome.err, "(session taken over, reason code 0x8E)"));
    CHECK(contains(outcome.err, "another client connected with the same client id"));
    CHECK(contains(outcome.err, "fix: give each client its own id (-i)"));
  }
}
