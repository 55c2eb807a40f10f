// A message published with mqpub reaches mqsub through a real broker.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

TEST_CASE("a message published at each QoS reaches a subscriber at that QoS") {
  for (const std::string qos : {"0", "1", "2"}) {
    CAPTURE(qos);
    Workspace workspace;
    Broker broker{workspace};
    auto subscriber = start_subscriber(
        workspace, {"-p", broker.port_text(), "-t", "greetings/#", "-q", qos, "-C", "1", "-v"});

    const Outcome published =
        run_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-t", "greetings/world", "-m", "hello " + qos, "-q", qos});

    CHECK(published.exit_code == 0);
    CHECK(published.err == "");
    const Outcome received = subscriber->finish();
    CHECK(received.exit_code == 0);
    CHECK(received.out == "greetings/world hello " + qos + "\n");
  }
}

TEST_CASE("without -v only the payload is printed, and -C counts the messages") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "a/+", "-C", "3"});
  for (const std::string text : {"one", "two", "three"})
    REQUIRE(
        run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "a/" + text, "-m", text}).exit_code ==
        0);

  const Outcome received = subscriber->finish();
  CHECK(received.exit_code == 0);
  CHECK(received.out == "one\ntwo\nthree\n");
}

TEST_CASE("-n publishes an empty message: nothing printed without -v, 'topic (null)' with -v") {
  Workspace workspace;
  Broker broker{workspace};
  auto plain = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "empty", "-C", "1"});
  auto verbose = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "empty", "-C", "1", "-v"});

  CHECK(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "empty", "-n", "-q", "1"}).exit_code ==
        0);

  CHECK(plain->finish().out == "");
  CHECK(verbose->finish().out == "empty (null)\n");
}

TEST_CASE("a retained message reaches a subscriber that arrives later") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-t", "status", "-m", "online", "-r", "-q", "1"})
              .exit_code == 0);

  const Outcome received =
      run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "status", "-C", "1", "-W", "10"});

  CHECK(received.exit_code == 0);
  CHECK(received.out == "online\n");
}

TEST_CASE("-W ends a subscription that receives too little with exit 8") {
  Workspace workspace;
  Broker broker{workspace};

  const Outcome received =
      run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "silence", "-C", "1", "-W", "0.3"});

  CHECK(received.exit_code == 8);
  CHECK(received.out == "");
  CHECK(received.err.find("Timed out") != std::string::npos);
}

TEST_CASE("-L gives host, port and topic in one URL") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string url = "mqtt://127.0.0.1:" + broker.port_text() + "/url/topic";
  auto subscriber = start_subscriber(workspace, {"-L", url, "-C", "1", "-v"});

  CHECK(run_tool(workspace, "mqpub", {"-L", url, "-m", "via url", "-q", "1"}).exit_code == 0);

  CHECK(subscriber->finish().out == "url/topic via url\n");
}
