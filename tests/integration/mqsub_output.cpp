// How mqsub writes: promptly to a pipe, quietly into a closed one, -w on a terminal,
// --message-rate, a burst over TLS, and a refused subscription.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "mqsub_support.hpp"

using namespace mq::test;

TEST_CASE("each message reaches a pipe while mqsub keeps running") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "live"});
  for (const std::string text : {"first", "second"}) {
    REQUIRE(reference_publish(workspace, broker, {"-t", "live", "-m", text}).exit_code == 0);
    CHECK(subscriber->wait_for_stdout(text + "\n"));
    CHECK(subscriber->running());
  }
  subscriber->signal(SIGTERM);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 143);
  CHECK(outcome.out == "first\nsecond\n");
}

TEST_CASE("when the reader of the pipe goes away (mqsub | head -1), mqsub ends quietly with exit 0") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "p/1", "-m", "one", "-r"}).exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "p/2", "-m", "two", "-r"}).exit_code == 0);
  // head exits after the first line; mqsub notices at its next write or soon after, even
  // with no more traffic.
  const Outcome outcome =
      shell(workspace, tool_path("mqsub") + " -p " + broker.port_text() +
                           " -t 'p/#' | head -1; echo \"mqsub exit ${PIPESTATUS[0]}\" >&2");
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "one\n");
  CHECK(outcome.err == "mqsub exit 0\n");
}

TEST_CASE("-w gives each topic its own line of the screen") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "w/a", "-m", "1", "-r"}).exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "w/b", "-m", "2", "-r"}).exit_code == 0);
  const Outcome outcome =
      subscribe(workspace, broker, {"-h", "127.0.0.1", "-t", "w/#", "-w", "-v", "-C", "2"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "\033[2J\033[1;1HBroker: 127.0.0.1\n"
                       "\033[2;1H\033[2Kw/a 1\n\033[2;1H\n"
                       "\033[3;1H\033[2Kw/b 2\n\033[3;1H\n");
}

TEST_CASE("--message-rate prints the number of messages received each second") {
  Workspace workspace;
  Broker broker{workspace};
  auto counter = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "rate", "--message-rate"});
  REQUIRE(run(Command{{"mosquitto_pub", "-p", broker.port_text(), "-t", "rate", "-q", "1", "-l"},
                      "a\nb\nc\n",
                      {}},
              workspace.path())
              .exit_code == 0);
  // The three may fall in one second or in two: wait until the counts add up to three.
  int counted = 0;
  for (const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       counted < 3 && std::chrono::steady_clock::now() < give_up;) {
    REQUIRE(counter->wait_for_stdout(" msgs/s\n"));
    counted = 0;
    std::istringstream lines{counter->out()};
    for (std::string line; std::getline(lines, line);) {
      CHECK(line.ends_with(" msgs/s"));
      counted += std::stoi(line);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(counted == 3);
  counter->signal(SIGINT);
  const Outcome outcome = counter->finish();
  CHECK(outcome.exit_code == 130);
  CHECK_FALSE(contains(outcome.out, "a\n"));  // counts, not messages
}

TEST_CASE("a burst of messages over TLS is printed completely") {
  Workspace workspace;
  BrokerSetup setup;
  setup.tls = true;
  setup.extra_lines = {"max_queued_messages 0"};  // a slow subscriber (-d) must not lose any
  Broker broker{workspace, setup};
  const std::string ca = broker.certificates().ca.string();
  const int count = 10000;
  auto subscriber = start_subscriber(workspace, {"-p", broker.tls_port_text(), "--cafile", ca, "-t", "burst",
                                                 "-q", "1", "-C", std::to_string(count)});
  std::string lines;
  for (int i = 1; i <= count; ++i)
    lines += std::to_string(i) + "\n";
  const Outcome published = run(
      Command{{"mosquitto_pub", "-p", broker.tls_port_text(), "--cafile", ca, "-t", "burst", "-q", "1", "-l"},
              lines,
              {}},
      workspace.path());
  REQUIRE(published.exit_code == 0);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == lines);
}

TEST_CASE("a refused subscription names the filter and the reason, and exits 6") {
  Workspace workspace;
  BrokerSetup setup;
  setup.users = {{"reader", "secret"}};
  setup.denied_subscriptions = {"private/#"};
  Broker broker{workspace, setup};
  for (const std::string protocol : {"5", "311"}) {
    CAPTURE(protocol);
    const Outcome outcome = subscribe(
        workspace, broker,
        {"-V", protocol, "-u", "reader", "-P", "secret", "-t", "public/x", "-t", "private/#", "-C", "1"});
    CHECK(outcome.exit_code == 6);
    CHECK(outcome.out == "");
    CHECK(contains(outcome.err, "mqsub: error: the broker refused the subscription to 'private/#'"));
  }
}
