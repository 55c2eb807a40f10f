// mqsub across connections and configuration: reconnecting and resubscribing, a persistent
// session that queued messages while mqsub was away, -D properties, -o and the defaults file.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "harness/fake_broker.hpp"
#include "mqsub_support.hpp"

using namespace mq::test;

namespace {}  // namespace

TEST_CASE("when the broker goes away, mqsub says so, reconnects, subscribes again and goes on") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "again", "-C", "2", "-v"});
  REQUIRE(reference_publish(workspace, broker, {"-t", "again", "-m", "before"}).exit_code == 0);
  REQUIRE(subscriber->wait_for_stdout("again before\n"));

  broker.stop();
  REQUIRE(subscriber->wait_for_stderr("reconnecting"));
  broker.start();
  REQUIRE(wait_for_stderr_count(*subscriber, "debug: subscribed to again", 2));
  REQUIRE(reference_publish(workspace, broker, {"-t", "again", "-m", "after"}).exit_code == 0);

  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "again before\nagain after\n");
  CHECK(contains(outcome.err, "mqsub: reconnected to"));
  CHECK(contains(outcome.err, "mqsub: subscribing again to again"));
}

TEST_CASE("a persistent session (-c) gets the messages queued while mqsub was away") {
  Workspace workspace;
  BrokerSetup setup;
  setup.persistence = true;
  Broker broker{workspace, setup};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "kept/#", "-q", "1", "-c",
                                                 "-i", "keeper", "-C", "1", "-v"});
  // mqsub is frozen while the broker restarts and the message is published: it cannot have
  // reconnected, so the message can only reach it queued in the session the broker restored.
  subscriber->signal(SIGSTOP);
  broker.stop();
  broker.start();
  REQUIRE(reference_publish(workspace, broker, {"-t", "kept/1", "-m", "queued while away", "-q", "1"})
              .exit_code == 0);
  subscriber->signal(SIGCONT);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "kept/1 queued while away\n");
  CHECK(contains(outcome.err, "the broker kept the session"));
}

TEST_CASE("--reconnect-attempts 0 makes a lost connection an error (exit 3)") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "t", "--reconnect-attempts", "0"});
  broker.stop();
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 3);
  CHECK(contains(outcome.err, "mqsub: error:"));
}

TEST_CASE("-D subscribe sets subscription properties: a subscription identifier comes back as %S") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "sid", "-m", "x", "-r"}).exit_code == 0);
  const std::vector<std::string> arguments{
      "-V", "5",  "-t",   "sid", "-C", "1", "-W", "10", "-D", "subscribe", "subscription-identifier",
      "42", "-F", "%S %t"};
  const Outcome ours = subscribe(workspace, broker, arguments);
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "42 sid\n");
  CHECK(ours.out == reference_subscribe(workspace, broker, arguments).out);
}

TEST_CASE(
    "-D connect, subscribe, unsubscribe and disconnect properties are sent, -D publish is not mqsub's") {
  Workspace workspace;
  FakeBroker server{FakeBehaviour::accept_all};
  const Outcome sent = run_tool(workspace, "mqsub",
                                {"-p",
                                 server.port_text(),
                                 "-t",
                                 "a",
                                 "-U",
                                 "b",
                                 "-E",
                                 "-D",
                                 "connect",
                                 "user-property",
                                 "who",
                                 "me",
                                 "-D",
                                 "subscribe",
                                 "user-property",
                                 "k",
                                 "v",
                                 "-D",
                                 "unsubscribe",
                                 "user-property",
                                 "why",
                                 "test",
                                 "-D",
                                 "disconnect",
                                 "session-expiry-interval",
                                 "0"});
  CHECK(sent.exit_code == 0);
  CHECK(sent.err == "");
  // A user property is identifier 0x26, then its name and value as UTF-8 strings.
  const auto user_property = [](const std::string& name, const std::string& value) {
    return std::string{"\x26\x00", 2} + static_cast<char>(name.size()) + name + '\x00' +
           static_cast<char>(value.size()) + value;
  };
  REQUIRE(server.wait_for_packet(0xE0));
  CHECK(contains(server.packets_received(0x10).at(0), user_property("who", "me")));
  CHECK(contains(server.packets_received(0x80).at(0), user_property("k", "v")));
  CHECK(contains(server.packets_received(0xA0).at(0), user_property("why", "test")));
  // The session expiry interval is identifier 0x11 and a four-byte integer.
  CHECK(contains(server.packets_received(0xE0).at(0), std::string{"\x11\x00\x00\x00\x00", 5}));

  Broker broker{workspace};
  const Outcome refused =
      subscribe(workspace, broker, {"-t", "a", "-D", "publish", "content-type", "text/plain"});
  CHECK(refused.exit_code == 2);
  CHECK(contains(refused.err, "publish"));
  const Outcome v3 =
      subscribe(workspace, broker, {"-t", "a", "-V", "311", "-D", "subscribe", "user-property", "k", "v"});
  CHECK(v3.exit_code == 2);
}

TEST_CASE("-o reads options from a file, and the command line wins") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "opt/a", "-m", "from a", "-r"}).exit_code == 0);
  const auto file =
      workspace.write("mqsub.options", "# subscribe verbosely to one topic\n-t opt/a\n-v\n-C 1\n");
  const Outcome outcome = subscribe(workspace, broker, {"-o", file.string(), "-F", "%p!"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "from a!\n");  // -F (command line) over -v (file)
}

TEST_CASE("the defaults file $XDG_CONFIG_HOME/mq/mqsub is read, and -o replaces it") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "def", "-m", "payload", "-r"}).exit_code == 0);
  std::filesystem::create_directories(workspace / "config/mq");
  Workspace::write_file(workspace / "config/mq/mqsub", "-p " + broker.port_text() + "\n-v\n");
  const std::map<std::string, std::string> environment{{"XDG_CONFIG_HOME", (workspace / "config").string()}};
  const Outcome defaults = run_tool(workspace, "mqsub", {"-t", "def", "-C", "1"}, std::nullopt, environment);
  CHECK(defaults.exit_code == 0);
  CHECK(defaults.out == "def payload\n");

  const auto other = workspace.write("other", "-p " + broker.port_text() + "\n");
  const Outcome replaced =
      run_tool(workspace, "mqsub", {"-o", other.string(), "-t", "def", "-C", "1"}, std::nullopt, environment);
  CHECK(replaced.out == "payload\n");
}
