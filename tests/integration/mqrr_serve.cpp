// mqrr --serve: each request runs the command, whose output is the response, published to the
// request's Response Topic with its Correlation Data; failures and hangs are answered too.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <thread>

#include "mqrr_support.hpp"

using namespace mq::test;

namespace {

// The user properties of a response printed by mqrr --json, as name -> value.
std::map<std::string, std::string> user_properties(const std::string& json_line) {
  std::map<std::string, std::string> found;
  const nlohmann::json message = nlohmann::json::parse(json_line);
  if (!message.contains("properties") || !message["properties"].contains("user-properties")) return found;
  for (const auto& pair : message["properties"]["user-properties"])
    for (const auto& [name, value] : pair.items())
      found[name] = value.get<std::string>();
  return found;
}

}  // namespace

TEST_CASE("mosquitto_rr, a client we did not write, gets its answer from mqrr --serve") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/+/request", {}, {"tr", "a-z", "A-Z"});
  const Outcome answered = reference_request(
      workspace, broker, {"-t", "svc/upper/request", "-e", "reply/rr", "-m", "hello", "-W", "10"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "HELLO\n");
}

TEST_CASE("binary payloads go through the command and back unchanged, in both directions") {
  Workspace workspace;
  Broker broker{workspace};
  std::string bytes;
  for (int i = 0; i < 3 * 256; ++i)
    bytes += static_cast<char>(i * 7 % 256);
  bytes += std::string(200'000, '\0');  // more than a pipe holds: the command reads while mqrr writes
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  const Outcome answered = request(
      workspace, broker, {"-t", "svc/echo", "-e", "reply/echo", "-s", "-N", "-W", "10", "-q", "1"}, bytes);
  CHECK(answered.exit_code == 0);
  CHECK(answered.out.size() == bytes.size());
  CHECK(answered.out == bytes);
}

TEST_CASE("the command sees the request in its environment: topic, QoS, content type, user properties") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(
      workspace, broker, "svc/env/#", {"-q", "1"},
      {"sh", "-c",
       "printf '%s|%s|%s|%s|%s' \"$MQ_TOPIC\" \"$MQ_QOS\" \"$MQ_CONTENT_TYPE\" \"$MQ_USER_PROPERTIES\" "
       "\"$MQ_RESPONSE_TOPIC\""});
  const Outcome answered =
      request(workspace, broker,
              {"-t", "svc/env/a", "-e", "reply/env", "-m", "x", "-q", "1", "-W", "10", "-D", "publish",
               "content-type", "text/plain", "-D", "publish", "user-property", "k", "v"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == R"(svc/env/a|1|text/plain|[["k","v"]]|reply/env)"
                        "\n");
}

TEST_CASE("a failing command is answered with its output, its exit code and the first line of its stderr") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/fail", {},
                                   {"sh", "-c", "echo partial; echo 'disk full' >&2; echo more >&2; exit 3"});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/fail", "-e", "reply/fail", "-m", "x", "--json", "-W", "10"});
  REQUIRE(answered.exit_code == 0);
  const nlohmann::json message = nlohmann::json::parse(answered.out);
  CHECK(message["payload"] == "partial\n");
  const auto properties = user_properties(answered.out);
  CHECK(properties.at("exit-code") == "3");
  CHECK(properties.at("error") == "disk full");
  CHECK(responder->wait_for_stderr(
      "mqrr: warning: request 1 on 'svc/fail': the command exited with 3: disk full"));
}

TEST_CASE("the error of a failed command is cut to its first 1024 bytes in the answer") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/loud", {},
                                   {"sh", "-c", "head -c 3000 /dev/zero | tr '\\0' e >&2; exit 2"});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/loud", "-e", "reply/loud", "-m", "x", "--json", "-W", "10"});
  REQUIRE(answered.exit_code == 0);
  CHECK(user_properties(answered.out).at("error") == std::string(1024, 'e'));
}

TEST_CASE("a command past --job-timeout is killed, with what it started, and answered as killed") {
  Workspace workspace;
  Broker broker{workspace};
  // sh starts sleep, which holds the output pipe open: only killing the process group ends it.
  auto responder = start_responder(workspace, broker, "svc/hang", {"--job-timeout", "0.5"},
                                   {"sh", "-c", "echo started; sleep 60"});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/hang", "-e", "reply/hang", "-m", "x", "--json", "-W", "20"});
  REQUIRE(answered.exit_code == 0);
  CHECK(nlohmann::json::parse(answered.out)["payload"] == "started\n");
  const auto properties = user_properties(answered.out);
  CHECK(properties.at("exit-code") == "137");
  CHECK(properties.at("error") == "killed: it ran longer than --job-timeout (0.5 s)");
}

TEST_CASE("a command that closes its output and goes on running is still killed at --job-timeout") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/detached", {"--job-timeout", "0.5"},
                                   {"sh", "-c", "printf early; exec >&- 2>&-; sleep 60"});
  const Outcome answered = request(
      workspace, broker, {"-t", "svc/detached", "-e", "reply/detached", "-m", "x", "--json", "-W", "20"});
  REQUIRE(answered.exit_code == 0);
  CHECK(nlohmann::json::parse(answered.out)["payload"] == "early");
  CHECK(user_properties(answered.out).at("exit-code") == "137");
}

TEST_CASE("a command that reads none of a large request is answered all the same") {
  Workspace workspace;
  Broker broker{workspace};
  auto ignorer = start_responder(workspace, broker, "svc/ignore", {}, {"printf", "ignored"});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/ignore", "-e", "reply/ignore", "-s", "-W", "20"},
              std::string(1'000'000, 'x'));
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "ignored\n");
}

TEST_CASE(
    "a request whose Response Topic is no topic name is skipped with a warning, and the service goes on") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  REQUIRE(run(Command{{"mosquitto_pub", "-p", broker.port_text(), "-V", "5", "-t", "svc/echo", "-m", "x",
                       "-D", "publish", "response-topic", "bad/#"},
                      std::nullopt,
                      {}},
              workspace.path())
              .exit_code == 0);
  CHECK(responder->wait_for_stderr(
      "mqrr: warning: skipped request 1 on 'svc/echo': the Response Topic 'bad/#' is "
      "not valid"));
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/echo", "-e", "reply/echo", "-m", "y", "-W", "10"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "y\n");
}

TEST_CASE("--jobs 4 keeps four commands running, and each answer goes to its own request") {
  Workspace workspace;
  Broker broker{workspace};
  std::filesystem::create_directory(workspace / "running");
  // Each command waits until four are running at once, then answers with its request.
  const std::string running = (workspace / "running").string();
  const std::string barrier =
      "touch " + running + "/$$; while [ $(ls " + running + " | wc -l) -lt 4 ]; do sleep 0.02; done; cat";
  auto responder = start_responder(workspace, broker, "svc/together", {"--jobs", "4", "--job-timeout", "20"},
                                   {"sh", "-c", barrier});
  std::vector<std::unique_ptr<Process>> requesters;
  for (int i = 0; i < 4; ++i)
    requesters.push_back(start_tool(workspace, "mqrr",
                                    {"-p", broker.port_text(), "-t", "svc/together", "-e", "reply/together",
                                     "-m", "request " + std::to_string(i), "-W", "20"}));
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    const Outcome answered = requesters[static_cast<std::size_t>(i)]->finish();
    CHECK(answered.exit_code == 0);
    CHECK(answered.out == "request " + std::to_string(i) + "\n");
  }
  CHECK_FALSE(contains(responder->err(), "warning"));
}

TEST_CASE("a busy responder keeps a thread only for each running command, not one for each finished") {
  Workspace workspace;
  Broker broker{workspace};
  // "hold" keeps one command running throughout; every other request ends at once.
  auto responder = start_responder(workspace, broker, "svc/mixed", {"--jobs", "2"},
                                   {"sh", "-c", "if [ \"$(cat)\" = hold ]; then sleep 30; fi; printf ok"});
  auto holder =
      start_tool(workspace, "mqrr",
                 {"-p", broker.port_text(), "-t", "svc/mixed", "-e", "reply/hold", "-m", "hold", "-W", "60"});
  REQUIRE(responder->wait_for_stderr("request 1 on svc/mixed: running sh"));
  for (int i = 0; i < 10; ++i)
    REQUIRE(
        request(workspace, broker, {"-t", "svc/mixed", "-e", "reply/quick", "-m", "quick", "-W", "10"}).out ==
        "ok\n");
  std::size_t threads = 0;
  for ([[maybe_unused]] const auto& task :
       std::filesystem::directory_iterator{"/proc/" + std::to_string(responder->pid()) + "/task"})
    ++threads;
  CHECK(threads == 2);  // mqrr's own, and the one waiting for the holding command
}

TEST_CASE("Ctrl-C lets the running command finish, answers it, and exits 130") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/slow", {}, {"sh", "-c", "sleep 1; printf done"});
  auto requester =
      start_tool(workspace, "mqrr",
                 {"-p", broker.port_text(), "-t", "svc/slow", "-e", "reply/slow", "-m", "x", "-W", "20"});
  REQUIRE(responder->wait_for_stderr("request 1 on svc/slow: running sh"));
  responder->signal(SIGINT);
  const Outcome answered = requester->finish();
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "done\n");  // the payload and mqrr's newline
  CHECK(responder->finish().exit_code == 130);
}

TEST_CASE("the responder reconnects after the broker restarts and serves again") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  broker.stop();
  broker.start();
  REQUIRE(responder->wait_for_stderr("debug: serving svc/echo again", 20s));
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/echo", "-e", "reply/echo", "-m", "again", "-W", "10"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "again\n");
}
