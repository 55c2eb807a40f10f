// Which messages mqsub prints and when it stops: -T, -R, -C, -E, -U, --retained-only,
// --remove-retained, --random-filter, --retain-as-published, --retain-handling.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

#include "mqsub_support.hpp"

using namespace mq::test;

namespace {

void retain(const Workspace& workspace, const Broker& broker, const std::string& topic,
            const std::string& payload) {
  REQUIRE(reference_publish(workspace, broker, {"-t", topic, "-m", payload, "-r", "-q", "1"}).exit_code == 0);
}

void publish(const Workspace& workspace, const Broker& broker, const std::string& topic,
             const std::string& payload) {
  REQUIRE(reference_publish(workspace, broker, {"-t", topic, "-m", payload, "-q", "1"}).exit_code == 0);
}

int line_count(const std::string& text) {
  int lines = 0;
  for (const char c : text)
    lines += c == '\n';
  return lines;
}

}  // namespace

TEST_CASE("-T hides matching topics, and -C counts only the messages printed") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "bbc/radio1", "one");
  retain(workspace, broker, "bbc/radio3/news", "three");
  retain(workspace, broker, "bbc/radio4", "four");
  const Outcome outcome =
      subscribe(workspace, broker,
                {"-t", "bbc/#", "-T", "bbc/radio3/#", "-T", "bbc/radio1", "-C", "1", "-W", "10", "-v"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "bbc/radio4 four\n");
}

TEST_CASE("-R skips retained messages and prints the fresh ones") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "r", "stale");
  for (const std::string protocol : {"5", "311"}) {
    CAPTURE(protocol);
    auto subscriber =
        start_subscriber(workspace, {"-p", broker.port_text(), "-V", protocol, "-t", "r", "-R", "-C", "1"});
    publish(workspace, broker, "r", "fresh");
    CHECK(subscriber->finish().out == "fresh\n");
  }
}

TEST_CASE("--retained-only prints the retained messages and exits 0 at the first fresh one") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "s/1", "old one");
  retain(workspace, broker, "s/2", "old two");
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "s/#", "--retained-only"});
  REQUIRE(subscriber->wait_for_stdout("old two\n"));
  publish(workspace, broker, "s/3", "new");
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out == "old one\nold two\n");
}

TEST_CASE("-R and --retained-only together are a usage error") {
  Workspace workspace;
  const Outcome outcome = run_tool(workspace, "mqsub", {"-t", "t", "-R", "--retained-only"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--retained-only"));
}

TEST_CASE("--remove-retained clears the retained messages it receives, except those filtered out by -T") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "tree/a", "A");
  retain(workspace, broker, "tree/b", "B");
  retain(workspace, broker, "tree/keep", "K");
  auto remover = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "tree/#", "-T", "tree/keep",
                                              "--remove-retained", "--retained-only"});
  publish(workspace, broker, "tree/fresh", "ends --retained-only");
  const Outcome removed = remover->finish();
  CHECK(removed.exit_code == 0);
  CHECK(removed.out == "A\nB\n");

  // What is left: only the message -T protected.
  const Outcome left = subscribe(workspace, broker, {"-t", "tree/#", "-v", "-W", "1"});
  CHECK(left.exit_code == 8);
  CHECK(left.out == "tree/keep K\n");
}

TEST_CASE("--remove-retained that the broker's ACL refuses exits 6, naming the topic and the reason") {
  Workspace workspace;
  BrokerSetup setup;
  setup.users = {{"writer", "secret"}};
  setup.acl = "topic read tree/#\nuser writer\ntopic readwrite tree/#\n";  // anonymous clients only read
  Broker broker{workspace, setup};
  REQUIRE(
      reference_publish(workspace, broker, {"-u", "writer", "-P", "secret", "-t", "tree/a", "-m", "A", "-r"})
          .exit_code == 0);
  const Outcome refused =
      subscribe(workspace, broker, {"-t", "tree/#", "--remove-retained", "--retained-only"});
  CHECK(refused.exit_code == 6);
  CHECK(refused.out == "A\n");
  CHECK(contains(refused.err,
                 "mqsub: error: the broker refused to remove the retained message on 'tree/a' "
                 "(not authorized, reason code 0x87)\n"
                 "  cause: --remove-retained publishes an empty retained message, which this client "
                 "may not\n"
                 "  fix: check the broker's ACL for publishing to this topic\n"));
  // The message is still there.
  CHECK(subscribe(workspace, broker, {"-t", "tree/#", "-v", "-W", "1"}).out == "tree/a A\n");
}

TEST_CASE("-E exits 0 once the subscription is acknowledged, with -c the session then queues messages") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome made =
      subscribe(workspace, broker, {"-t", "queued/#", "-q", "1", "-c", "-i", "sleeper", "-E"});
  CHECK(made.exit_code == 0);
  CHECK(made.out == "");
  publish(workspace, broker, "queued/1", "while away 1");
  publish(workspace, broker, "queued/2", "while away 2");
  publish(workspace, broker, "queued/3", "while away 3");

  // -C 1 asks the broker for one message at a time (receive maximum), so none is lost.
  const Outcome first =
      subscribe(workspace, broker, {"-t", "queued/#", "-q", "1", "-c", "-i", "sleeper", "-C", "1"});
  CHECK(first.exit_code == 0);
  CHECK(first.out == "while away 1\n");
  const Outcome rest =
      subscribe(workspace, broker, {"-t", "queued/#", "-q", "1", "-c", "-i", "sleeper", "-C", "2"});
  CHECK(rest.exit_code == 0);
  CHECK(rest.out == "while away 2\nwhile away 3\n");
}

TEST_CASE("-U removes a subscription of a persistent session") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(subscribe(workspace, broker, {"-t", "u/a", "-t", "u/b", "-q", "1", "-c", "-i", "unsub", "-E"})
              .exit_code == 0);
  const Outcome unsubscribed = subscribe(workspace, broker, {"-U", "u/a", "-c", "-i", "unsub", "-E", "-d"});
  CHECK(unsubscribed.exit_code == 0);
  CHECK(contains(unsubscribed.err, "unsubscribed from u/a"));
  publish(workspace, broker, "u/a", "not for us any more");
  publish(workspace, broker, "u/b", "still ours");
  const Outcome after =
      subscribe(workspace, broker, {"-U", "u/a", "-c", "-i", "unsub", "-C", "1", "-W", "10", "-v"});
  CHECK(after.exit_code == 0);
  CHECK(after.out == "u/b still ours\n");
}

TEST_CASE("--random-filter prints about the given percentage of the messages") {
  Workspace workspace;
  Broker broker{workspace};
  auto everything = start_subscriber(
      workspace, {"-p", broker.port_text(), "-t", "rf", "-q", "1", "--random-filter", "100", "-W", "30"});
  auto half = start_subscriber(
      workspace, {"-p", broker.port_text(), "-t", "rf", "-q", "1", "--random-filter", "50", "-W", "30"});
  std::string lines;
  for (int i = 0; i < 400; ++i)
    lines += "message " + std::to_string(i) + "\n";
  REQUIRE(run(Command{{"mosquitto_pub", "-p", broker.port_text(), "-t", "rf", "-q", "1", "-l"}, lines, {}},
              workspace.path())
              .exit_code == 0);
  publish(workspace, broker, "rf", "last");
  REQUIRE(everything->wait_for_stdout("last\n", std::chrono::seconds(30)));
  everything->signal(SIGINT);
  half->signal(SIGINT);
  CHECK(line_count(everything->finish().out) == 401);
  const int printed = line_count(half->finish().out);
  CHECK(printed > 100);  // 200 expected; 100 away is ten standard deviations
  CHECK(printed < 300);
}

TEST_CASE("--random-filter outside 0.1 to 100 is a usage error") {
  Workspace workspace;
  for (const std::string value : {"0", "100.5", "-3", "lots"}) {
    const Outcome outcome = run_tool(workspace, "mqsub", {"-t", "t", "--random-filter", value});
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, "--random-filter"));
  }
}

TEST_CASE("--retain-handling never and -R (MQTT v5) keep the broker from sending retained messages") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "rh", "retained");
  for (const std::vector<std::string>& option :
       {std::vector<std::string>{"--retain-handling", "never"}, {"-R"}}) {
    CAPTURE(option);
    std::vector<std::string> arguments{"-p", broker.port_text(), "-t", "rh", "-C", "1", "-d"};
    arguments.insert(arguments.end(), option.begin(), option.end());
    auto subscriber = start_subscriber(workspace, arguments);
    publish(workspace, broker, "rh", "fresh");
    const Outcome outcome = subscriber->finish();
    CHECK(outcome.out == "fresh\n");
    CHECK(contains(outcome.err, "Options: 0x20"));  // retain handling 2 in the SUBSCRIBE
  }
  const Outcome always = subscribe(workspace, broker, {"-t", "rh", "-C", "1", "--retain-handling", "always"});
  CHECK(always.out == "retained\n");
}

TEST_CASE("--retain-handling new sends retained messages only for a subscription that is new") {
  Workspace workspace;
  Broker broker{workspace};
  retain(workspace, broker, "rn", "retained");
  REQUIRE(subscribe(workspace, broker, {"-t", "rn", "-c", "-i", "keeper", "-E"}).exit_code == 0);
  // The session still holds the subscription: no retained message this time.
  const Outcome again =
      subscribe(workspace, broker, {"-t", "rn", "-c", "-i", "keeper", "--retain-handling", "new", "-W", "1"});
  CHECK(again.exit_code == 8);
  CHECK(again.out == "");
  const Outcome fresh =
      subscribe(workspace, broker, {"-t", "rn", "--retain-handling", "new", "-C", "1", "-W", "10"});
  CHECK(fresh.out == "retained\n");
}

TEST_CASE("--retain-as-published keeps the retain flag of messages forwarded live") {
  Workspace workspace;
  Broker broker{workspace};
  auto as_published = start_subscriber(
      workspace, {"-p", broker.port_text(), "-t", "rap", "--retain-as-published", "-C", "1", "-F", "%r %p"});
  auto plain = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "rap", "-C", "1", "-F", "%r %p"});
  retain(workspace, broker, "rap", "live and retained");
  CHECK(as_published->finish().out == "1 live and retained\n");
  CHECK(plain->finish().out == "0 live and retained\n");
}

TEST_CASE("MQTT v5 subscription options with -V 311 are a usage error") {
  Workspace workspace;
  for (const std::vector<std::string>& option :
       {std::vector<std::string>{"--retain-as-published"}, {"--retain-handling", "new"}}) {
    std::vector<std::string> arguments{"-t", "t", "-V", "311"};
    arguments.insert(arguments.end(), option.begin(), option.end());
    const Outcome outcome = run_tool(workspace, "mqsub", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, option[0] + " needs MQTT v5"));
  }
  CHECK(run_tool(workspace, "mqsub", {"-t", "t", "--retain-handling", "sometimes"}).exit_code == 2);
}
