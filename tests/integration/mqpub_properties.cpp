// What mqpub sends besides the payload: v5 properties, wills, options files, JSON lines.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <sstream>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// mosquitto_sub (a v5 subscriber) printing the properties of one message on one line.
std::unique_ptr<Process> property_subscriber(const Workspace& workspace, const Broker& broker,
                                             const std::string& topic) {
  auto subscriber = std::make_unique<Process>(
      // stdbuf: mosquitto_sub's -d trace goes to stdout, which is block-buffered into a file
      // -q 2: a message arrives with the QoS it was published with
      Command{{"stdbuf", "-oL", "mosquitto_sub", "-p", broker.port_text(), "-V", "5", "-q", "2", "-t", topic,
               "-C", "1", "-W", "20", "-d", "-F",
               "topic=%t payload=%p content-type=%C correlation=%D expiry=%E format=%F response=%R user=%P "
               "qos=%q"},
              {},
              {}},
      workspace.path());
  REQUIRE(subscriber->wait_for_stdout("SUBACK"));
  return subscriber;
}

}  // namespace

TEST_CASE("-D publish properties reach a v5 subscriber") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = property_subscriber(workspace, broker, "props");

  const Outcome outcome = run_tool(workspace, "mqpub",
                                   {"-p",
                                    broker.port_text(),
                                    "-t",
                                    "props",
                                    "-m",
                                    "body",
                                    "-q",
                                    "1",
                                    "-D",
                                    "publish",
                                    "content-type",
                                    "text/plain",
                                    "-D",
                                    "publish",
                                    "correlation-data",
                                    "c-42",
                                    "-D",
                                    "publish",
                                    "message-expiry-interval",
                                    "3600",
                                    "-D",
                                    "publish",
                                    "payload-format-indicator",
                                    "1",
                                    "-D",
                                    "publish",
                                    "response-topic",
                                    "replies/me",
                                    "-D",
                                    "publish",
                                    "user-property",
                                    "origin",
                                    "test"});

  CHECK(outcome.exit_code == 0);
  const std::string line = subscriber->finish().out;
  CHECK(contains(line, "topic=props payload=body content-type=text/plain correlation=c-42"));
  CHECK(contains(line, "format=1 response=replies/me user=origin:test"));
  CHECK((contains(line, "expiry=3600") || contains(line, "expiry=3599")));
}

TEST_CASE("a will is published when the client vanishes, with its QoS, retain and properties") {
  Workspace workspace;
  Broker broker{workspace};
  auto watcher = property_subscriber(workspace, broker, "wills/#");
  // a slow stream keeps mqpub connected until it is killed
  auto client = start_tool(workspace, "mqpub",
                           {"-p",
                            broker.port_text(),
                            "-t",
                            "anything",
                            "-l",
                            "--rate",
                            "1",
                            "-q",
                            "1",
                            "-d",
                            "--will-topic",
                            "wills/client",
                            "--will-payload",
                            "gone",
                            "--will-qos",
                            "1",
                            "--will-retain",
                            "-D",
                            "will",
                            "content-type",
                            "text/x-will"},
                           std::string{"1\n2\n3\n"});
  REQUIRE(client->wait_for_stderr("PUBACK"));

  client->signal(SIGKILL);

  const std::string line = watcher->finish().out;
  CHECK(contains(line, "topic=wills/client payload=gone content-type=text/x-will"));
  CHECK(contains(line, "qos=1"));
  // retained: a client that subscribes afterwards gets it, flagged as retained
  const Outcome later = run(Command{{"mosquitto_sub", "-p", broker.port_text(), "-q", "2", "-t", "wills/#",
                                     "-C", "1", "-W", "10", "-F", "%t %p retain=%r qos=%q"},
                                    {},
                                    {}},
                            workspace.path());
  CHECK(later.exit_code == 0);
  CHECK(later.out == "wills/client gone retain=1 qos=1\n");
}

TEST_CASE("-o reads options from a file, the defaults file is read otherwise, the command line wins") {
  Workspace workspace;
  Broker broker{workspace};
  const auto options = workspace.write("pub.options", "# where to\n-p " + broker.port_text() +
                                                          "\n-t from/file\n-m 'file message'\n-q 1\n");
  std::filesystem::create_directories(workspace / "config/mq");
  workspace.write("config/mq/mqpub", "-p " + broker.port_text() + "\n-t from/defaults\n");
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "from/#", "-v", "-C", "3"});
  const std::map<std::string, std::string> environment{{"XDG_CONFIG_HOME", (workspace / "config").string()}};

  CHECK(run_tool(workspace, "mqpub", {"-o", options.string()}, {}, environment).exit_code == 0);
  CHECK(run_tool(workspace, "mqpub", {"-m", "defaults message", "-q", "1"}, {}, environment).exit_code == 0);
  CHECK(
      run_tool(workspace, "mqpub", {"-o", options.string(), "-m", "overridden"}, {}, environment).exit_code ==
      0);

  CHECK(subscriber->finish().out ==
        "from/file file message\nfrom/defaults defaults message\nfrom/file overridden\n");
}

TEST_CASE("a bad option in an options file is a usage error that names the file") {
  Workspace workspace;
  const auto options = workspace.write("bad.options", "-q 7\n");
  const Outcome outcome = run_tool(workspace, "mqpub", {"-o", options.string(), "-t", "t", "-m", "x"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--qos"));
  CHECK(contains(outcome.err, options.string()));
}

TEST_CASE("--json-lines publishes each line's topic, payload, QoS, retain and properties") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "json/#", "-v", "-C", "3", "-q", "2"});
  const std::string input =
      R"({"topic": "json/a", "payload": "first"})"
      "\n"
      R"({"payload_base64": "c2Vjb25k", "qos": 2})"
      "\n"
      R"({"topic": "json/c", "payload": "third", "retain": true, "properties": {"user-property": {"k": "v"}}})"
      "\n";

  const Outcome outcome =
      run_tool(workspace, "mqpub",
               {"-p", broker.port_text(), "-t", "json/default", "-l", "--json-lines", "-q", "1"}, input);

  CHECK(outcome.exit_code == 0);
  // QoS 2 completes after QoS 1 messages sent later, so compare without order
  std::vector<std::string> received;
  std::istringstream lines{subscriber->finish().out};
  for (std::string line; std::getline(lines, line);)
    received.push_back(line);
  std::sort(received.begin(), received.end());
  CHECK(received == std::vector<std::string>{"json/a first", "json/c third", "json/default second"});
  CHECK(run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "json/c", "-C", "1", "-W", "5"}).out ==
        "third\n");
}

TEST_CASE(
    "a malformed --json-lines line stops with its line number, the lines before it were sent and counted") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "json/#", "-v", "-C", "2"});
  const std::string input = R"({"topic": "json/1", "payload": "one"})"
                            "\n"
                            R"({"topic": "json/2", "payload": "two"})"
                            "\n"
                            R"({"topic": "json/3", "payload": 3})"
                            "\n"
                            R"({"topic": "json/4", "payload": "four"})"
                            "\n";

  const Outcome outcome =
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-l", "--json-lines", "-q", "1"}, input);

  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "--json-lines line 3: \"payload\" must be a string"));
  CHECK(contains(outcome.err, "sent 2, acknowledged 2, not acknowledged 0"));
  CHECK(subscriber->finish().out == "json/1 one\njson/2 two\n");
}
