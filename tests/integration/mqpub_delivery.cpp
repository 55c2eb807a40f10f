// mqpub's guarantees: every QoS 1/2 message acknowledged or a non-zero exit with the counts.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/broker.hpp"
#include "harness/fake_broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

std::string numbered_lines(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i)
    lines += std::to_string(i) + "\n";
  return lines;
}

// A broker that queues everything for a slow subscriber instead of dropping (mosquitto keeps
// 1000 messages per client by default).
BrokerSetup unlimited_queue() {
  BrokerSetup setup;
  setup.extra_lines = {"max_queued_messages 0"};
  setup.log_every_packet = false;
  return setup;
}

}  // namespace

TEST_CASE("100,000 lines at QoS 1 and at QoS 2 all arrive, in order, and mqpub exits 0") {
  const std::string lines = numbered_lines(100000);
  for (const std::string qos : {"1", "2"}) {
    CAPTURE(qos);
    Workspace workspace;
    Broker broker{workspace, unlimited_queue()};
    auto subscriber =
        start_subscriber(workspace, {"-p", broker.port_text(), "-t", "bulk", "-q", qos, "-C", "100000"});

    const Outcome published =
        run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "bulk", "-l", "-q", qos}, lines);

    CHECK(published.exit_code == 0);
    CHECK(published.err == "");
    const Outcome received = subscriber->finish();
    CHECK(received.exit_code == 0);
    CHECK(received.out == lines);
  }
}

TEST_CASE("a broker stopped and restarted mid-stream: mqpub reconnects, every line arrives, exit 0") {
  Workspace workspace;
  BrokerSetup setup = unlimited_queue();
  setup.persistence = true;
  Broker broker{workspace, setup};
  // a persistent session that keeps receiving across the restart
  REQUIRE(
      run_tool(workspace, "mqsub",
               {"-p", broker.port_text(), "-c", "-i", "restart-sub", "-q", "1", "-t", "restart", "-W", "0.2"})
          .exit_code == 8);
  Process subscriber{Command{{"mosquitto_sub", "-p", broker.port_text(), "-c", "-i", "restart-sub", "-q", "1",
                              "-t", "restart"},
                             {},
                             {}},
                     workspace.path()};
  // mqpub's input stays open across the restart however slowly this machine runs: the first
  // 1500 lines, then the rest only once the broker is back.
  const std::string all_lines = numbered_lines(3000);
  const std::size_t half = numbered_lines(1500).size();
  const auto first_half = workspace.write("first-half", all_lines.substr(0, half));
  const auto second_half = workspace.write("second-half", all_lines.substr(half));
  const auto restarted = workspace / "restarted";
  const std::string pipeline = "{ cat '" + first_half.string() + "'; while [ ! -e '" + restarted.string() +
                               "' ]; do sleep 0.02; done; cat '" + second_half.string() + "'; } | '" +
                               tool_path("mqpub") + "' -p " + broker.port_text() +
                               " -t restart -l -q 1 --rate 1000 -d";
  Process publisher{Command{{"sh", "-c", pipeline}, {}, {}}, workspace.path()};
  REQUIRE(subscriber.wait_for_stdout("\n500\n", std::chrono::seconds(20)));

  broker.stop();
  broker.start();
  workspace.write("restarted", "");  // lets the rest of the input through

  const Outcome outcome = publisher.finish();
  // It lost the connection in the middle of the stream and got it back ("gave up after N
  // reconnect attempts" does not match), and delivered every line: MQTT v5 at QoS 1 against a
  // broker that keeps its sessions leaves no reason for exit 9.
  CHECK(contains(outcome.err, "; reconnecting"));
  CHECK(contains(outcome.err, "reconnected to "));
  CHECK(outcome.exit_code == 0);
  REQUIRE(subscriber.wait_for_stdout("\n3000\n", std::chrono::seconds(30)));
  std::set<std::string> received;
  std::istringstream lines{subscriber.out()};
  for (std::string line; std::getline(lines, line);)
    received.insert(line);
  for (int i = 1; i <= 3000; ++i)
    CHECK(received.count(std::to_string(i)) == 1);
}

TEST_CASE("a broker restarted again and again under a QoS 1 stream: mqpub gets every line through, exit 0") {
  // A publish that meets the closed connection (EPIPE while writing) must count as a message to
  // resend, not fail the run: mqpub once exited 2 with "cannot publish ...: Broken pipe" here.
  Workspace workspace;
  BrokerSetup setup;
  setup.persistence = true;  // its full log is flushed as it goes, which the waits below read
  Broker broker{workspace, setup};
  const std::string input = numbered_lines(50000);
  auto publisher =
      start_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-t", "restarts", "-l", "-q", "1", "--rate", "10000"}, input);
  // Each restart comes once mqpub is connected again (the broker logs each connection), while
  // the 5 s stream is still going. (Whether a publish meets the closed connection is chance: with
  // the fix undone, one run in three failed.)
  const auto connections = [&] {
    const std::string log = broker.log();
    std::size_t count = 0;
    for (std::size_t at = log.find("New client connected"); at != std::string::npos;
         at = log.find("New client connected", at + 1))
      ++count;
    return count;
  };
  for (std::size_t restart = 0; restart < 5; ++restart) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (connections() <= restart && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(publisher->running());
    broker.stop();
    broker.start();
  }
  const Outcome outcome = publisher->finish();
  CHECK_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(contains(outcome.err, "reconnected to "));
}

TEST_CASE("a publish the ACL denies is exit 6 naming the topic (MQTT v5)") {
  Workspace workspace;
  BrokerSetup setup;
  setup.anonymous = false;
  setup.users = {{"writer", "secret"}};
  setup.acl = "user writer\ntopic write allowed/#\n";
  Broker broker{workspace, setup};

  const Outcome allowed = run_tool(
      workspace, "mqpub",
      {"-p", broker.port_text(), "-u", "writer", "-P", "secret", "-t", "allowed/x", "-m", "ok", "-q", "1"});
  const Outcome denied = run_tool(
      workspace, "mqpub",
      {"-p", broker.port_text(), "-u", "writer", "-P", "secret", "-t", "forbidden/x", "-m", "no", "-q", "1"});

  CHECK(allowed.exit_code == 0);
  CHECK(denied.exit_code == 6);
  CHECK(contains(denied.err, "refused the message to 'forbidden/x'"));
  CHECK(contains(denied.err, "not authorized, reason code 0x87"));
  CHECK(contains(denied.err, "sent 1, acknowledged 0, not acknowledged 0, refused 1"));
}

TEST_CASE("SIGINT stops reading, waits for the acknowledgements, prints the counts and exits 130") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "slow", "-q", "1"});
  auto publisher = start_tool(workspace, "mqpub",
                              {"-p", broker.port_text(), "-t", "slow", "-l", "-q", "1", "--rate", "20"},
                              numbered_lines(1000));
  REQUIRE(subscriber->wait_for_stdout("3\n"));

  publisher->signal(SIGINT);
  const Outcome outcome = publisher->finish();

  CHECK(outcome.exit_code == 130);
  CHECK(contains(outcome.err, "interrupted by SIGINT"));
  CHECK(contains(outcome.err, "not acknowledged 0"));
  // it stopped reading: of the 1000 lines (50 s at 20 a second) it sent only those before the signal
  std::smatch sent;
  REQUIRE(std::regex_search(outcome.err, sent, std::regex{"sent ([0-9]+), acknowledged ([0-9]+)"}));
  CHECK(std::stoi(sent[1]) < 1000);
  CHECK(sent[1] == sent[2]);
}

TEST_CASE("SIGTERM exits 143") {
  Workspace workspace;
  Broker broker{workspace};
  auto publisher = start_tool(workspace, "mqpub",
                              {"-p", broker.port_text(), "-t", "slow", "-l", "-q", "1", "--rate", "5", "-d"},
                              numbered_lines(100));
  REQUIRE(publisher->wait_for_stderr("PUBACK"));
  publisher->signal(SIGTERM);
  const Outcome outcome = publisher->finish();
  CHECK(outcome.exit_code == 143);
  CHECK(contains(outcome.err, "interrupted by SIGTERM"));
}

TEST_CASE("-M allows up to 65535 messages in flight") {
  Workspace workspace;
  Broker broker{workspace, unlimited_queue()};
  const Outcome outcome =
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "wide", "-l", "-q", "1", "-M", "65535"},
               numbered_lines(5000));
  CHECK(outcome.exit_code == 0);
}

TEST_CASE("mqpub keeps at most -M messages unacknowledged at once: 20 by default, or as given") {
  for (const std::string window : {"", "3"}) {
    CAPTURE(window);
    const int limit = window.empty() ? 20 : std::stoi(window);
    Workspace workspace;
    FakeBroker broker{FakeBehaviour::never_acknowledge};
    std::vector<std::string> arguments{"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t",
                                       "-l", "-q",        "1"};
    if (!window.empty()) arguments.insert(arguments.end(), {"-M", window});
    auto publisher = start_tool(workspace, "mqpub", arguments, numbered_lines(200));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (broker.publishes_received() < limit && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // Time for the other 180 lines to go out too, if nothing held them back.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    CHECK(broker.publishes_received() == limit);
    publisher->signal(SIGINT);
    const Outcome outcome = publisher->finish();
    CHECK(outcome.exit_code == 130);
    CHECK(contains(outcome.err, fmt::format("sent {}, acknowledged 0, not acknowledged {}", limit, limit)));
  }
}

TEST_CASE("a broker that goes away with messages unacknowledged: exit 9 with sent, acknowledged, not "
          "acknowledged") {
  Workspace workspace;
  FakeBroker broker{FakeBehaviour::never_acknowledge};
  auto publisher = start_tool(workspace, "mqpub",
                              {"-h", "127.0.0.1", "-p", broker.port_text(), "-t", "t", "-l", "-q", "1", "-d",
                               "--reconnect-attempts", "2"},
                              numbered_lines(5));
  REQUIRE(publisher->wait_for_stderr("sending PUBLISH (d0, q1, r0, m5"));

  broker.stop();
  const Outcome outcome = publisher->finish();

  CHECK(outcome.exit_code == 9);
  CHECK(contains(outcome.err, "5 of 5 messages were not acknowledged"));
  CHECK(contains(outcome.err, "gave up after 2 reconnect attempts"));
  CHECK(contains(outcome.err, "sent 5, acknowledged 0, not acknowledged 5"));
}
