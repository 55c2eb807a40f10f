// mqrr as the requester: the response to its own request, through a real mosquitto, printed as
// mosquitto_rr prints it.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "mqrr_support.hpp"

using namespace mq::test;

namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words)
    text += (text.empty() ? "" : " ") + word;
  return text;
}

}  // namespace

TEST_CASE("mqrr gets the answer of mqrr --serve over MQTT v5, at each QoS") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/+/request", {}, {"tr", "a-z", "A-Z"});
  for (const std::string qos : {"0", "1", "2"}) {
    CAPTURE(qos);
    const Outcome answered =
        request(workspace, broker,
                {"-t", "svc/upper/request", "-e", "reply/" + qos, "-m", "hello", "-q", qos, "-W", "10"});
    CHECK(answered.exit_code == 0);
    CHECK(answered.out == "HELLO\n");
    CHECK(answered.err == "");
  }
}

TEST_CASE("over MQTT v3.1.1 the responder answers on --reply-topic and the requester says it cannot match") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/+/request",
                                   {"-V", "311", "--reply-topic", "{topic}/reply"}, {"rev"});
  const Outcome answered =
      request(workspace, broker,
              {"-V", "311", "-t", "svc/rev/request", "-e", "svc/rev/request/reply", "-m", "abc", "-W", "10"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "cba\n");
  CHECK(answered.err ==
        "mqrr: warning: without MQTT v5 a response cannot be matched to its request: the first message on "
        "'svc/rev/request/reply' is taken as the response\n");
}

TEST_CASE(
    "a v5 request to a v3.1.1 responder without --reply-topic is answered, a v3.1.1 one is skipped, named") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  const Outcome v311 =
      request(workspace, broker, {"-V", "311", "-t", "svc/echo", "-e", "back", "-m", "x", "-W", "1"});
  CHECK(v311.exit_code == 8);
  CHECK(responder->wait_for_stderr("warning: skipped request 1 on 'svc/echo': it has no Response Topic"));
  const Outcome v5 = request(workspace, broker, {"-t", "svc/echo", "-e", "back", "-m", "y", "-W", "10"});
  CHECK(v5.exit_code == 0);
  CHECK(v5.out == "y\n");
}

TEST_CASE("a reply with another request's correlation data is skipped: only the request's own is printed") {
  Workspace workspace;
  Broker broker{workspace};
  // The command first publishes a wrong reply on the Response Topic itself, then answers.
  const std::string wrong_then_right =
      "mosquitto_pub -p " + broker.port_text() +
      " -V 5 -t \"$MQ_RESPONSE_TOPIC\" -m wrong -D publish correlation-data not-yours && printf right";
  auto responder = start_responder(workspace, broker, "svc/tricky", {}, {"sh", "-c", wrong_then_right});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/tricky", "-e", "reply/tricky", "-m", "?", "-W", "10", "-d"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "right\n");
  CHECK(contains(answered.err,
                 "skipped a message on reply/tricky whose correlation data is not this request's"));
}

TEST_CASE("no answer within -W is exit 8, naming the request topic and the response topic") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome unanswered =
      request(workspace, broker, {"-t", "nobody/home", "-e", "reply/none", "-m", "?", "-W", "0.5"});
  CHECK(unanswered.exit_code == 8);
  CHECK(unanswered.out == "");
  CHECK(
      unanswered.err ==
      "mqrr: error: Timed out after 0.5 s (-W)\n"
      "  cause: no response to the request arrived on 'reply/none'\n"
      "  fix: check that a responder serves 'nobody/home' and answers on the Response Topic, or give -W more "
      "seconds\n");
}

TEST_CASE("every output option prints the response byte for byte as mosquitto_rr does") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/fixed", {}, {"printf", "r\xc3\xa9ponse 42"});
  const std::vector<std::vector<std::string>> options{
      {},
      {"-v"},
      {"-N"},
      {"-v", "-N"},
      {"-R", "-v"},
      {"-F", "%t|%p|%l|%q|%r|%x|%X|%m"},
      {"-F", "%-12p|%12t|\\t%08l|%-5q|\\n"},
  };
  for (const auto& output : options) {
    CAPTURE(joined(output));
    std::vector<std::string> arguments{"-t", "svc/fixed", "-e", "reply/fixed", "-m", "?", "-W", "10"};
    arguments.insert(arguments.end(), output.begin(), output.end());
    const Outcome ours = request(workspace, broker, arguments);
    const Outcome theirs = reference_request(workspace, broker, arguments);
    CHECK(ours.exit_code == 0);
    CHECK(theirs.exit_code == 0);
    CHECK(ours.out == theirs.out);
  }
}

TEST_CASE(
    "--json prints the response as mqsub does, --repeat adds the round-trip times, on stderr and in JSON") {
  Workspace workspace;
  Broker broker{workspace};
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  const Outcome answered =
      request(workspace, broker,
              {"-t", "svc/echo", "-e", "reply/echo", "-m", "ping", "--repeat", "5", "--json", "-W", "10"});
  REQUIRE(answered.exit_code == 0);
  std::vector<nlohmann::json> lines;
  std::istringstream out{answered.out};
  for (std::string line; std::getline(out, line);)
    lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 6);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(lines[i]["topic"] == "reply/echo");
    CHECK(lines[i]["payload"] == "ping");
  }
  const nlohmann::json& times = lines[5]["round_trip_ms"];
  CHECK(times["requests"] == 5);
  for (const char* key : {"min", "p50", "p90", "p99", "max"})
    CHECK(times[key].is_number());
  CHECK(times["min"].get<double>() <= times["p50"].get<double>());
  CHECK(times["p99"].get<double>() <= times["max"].get<double>());
  CHECK(contains(answered.err, "mqrr: round trips of 5 requests: min "));
}

TEST_CASE("-f sends the whole file as the request, binary safe (mosquitto_rr 2.0.11 sends it empty)") {
  Workspace workspace;
  Broker broker{workspace};
  std::string every_byte;
  for (int byte = 0; byte < 256; ++byte)
    every_byte += static_cast<char>(byte);
  const std::string file = workspace.write("request.bin", every_byte + every_byte).string();
  auto responder = start_responder(workspace, broker, "svc/echo", {}, {"cat"});
  const Outcome answered =
      request(workspace, broker, {"-t", "svc/echo", "-e", "reply/bin", "-f", file, "-N", "-W", "10"});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == every_byte + every_byte);
  const Outcome from_stdin =
      request(workspace, broker, {"-t", "svc/echo", "-e", "reply/bin", "-s", "-N", "-W", "10"}, every_byte);
  CHECK(from_stdin.out == every_byte);
}

TEST_CASE("a refused subscription to -e is exit 6, in mqsub's words") {
  Workspace workspace;
  BrokerSetup setup;
  setup.anonymous = false;
  setup.users = {{"alice", "wonderland"}};
  setup.denied_subscriptions = {"secret/#"};
  Broker broker{workspace, setup};
  const Outcome refused =
      request(workspace, broker,
              {"-u", "alice", "-P", "wonderland", "-t", "svc/x", "-e", "secret/reply", "-m", "?", "-W", "5"});
  CHECK(refused.exit_code == 6);
  CHECK(refused.err.substr(0, refused.err.find('\n')) ==
        "mqrr: error: the broker refused the subscription to 'secret/reply' (not authorized, reason code "
        "0x87)");
}

TEST_CASE("missing pieces and the options of the other side are usage errors that say what to add") {
  Workspace workspace;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"-e", "r", "-m", "x"}, "mqrr: error: no request topic\n"},
      {{"-t", "q", "-m", "x"}, "mqrr: error: no response topic to wait on\n"},
      {{"-t", "q", "-e", "r"}, "mqrr: error: no request to send\n"},
      {{"-t", "q", "-e", "r/#", "-m", "x"}, "mqrr: error: -e "},
      {{"-t", "q", "-e", "r", "-m", "x", "--jobs", "2"}, "mqrr: error: --jobs is only for --serve\n"},
      {{"--serve", "-t", "q/#"}, "mqrr: error: --serve needs a command to run for each request\n"},
      {{"-t", "q", "-e", "r", "-m", "x", "-D", "publish", "response-topic", "s"},
       "mqrr: error: -D publish response-topic cannot be combined with -e\n"},
      {{"--serve", "-t", "q", "-D", "publish", "correlation-data", "c", "--", "cat"},
       "mqrr: error: -D publish correlation-data cannot be given to mqrr\n"},
      {{"--serve", "-t", "q/#", "-e", "r", "--", "cat"}, "mqrr: error: --serve cannot be combined with -e\n"},
      {{"--serve", "-t", "q/#", "--", "no-such-program-here"},
       "mqrr: error: the command 'no-such-program-here' cannot be run: no such executable in PATH\n"},
  };
  for (const auto& [arguments, start] : cases) {
    const std::string command_line = joined(arguments);
    CAPTURE(command_line);
    const Outcome outcome = run_tool(workspace, "mqrr", arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.err.substr(0, start.size()) == start);
  }
}

TEST_CASE("a request the ACL denies is exit 6 at QoS 1, in mqpub's words") {
  Workspace workspace;
  BrokerSetup setup;
  setup.acl = "topic readwrite reply/#\n";
  Broker broker{workspace, setup};
  const Outcome refused =
      request(workspace, broker, {"-t", "secret/x", "-e", "reply/x", "-m", "?", "-q", "1", "-W", "5"});
  CHECK(refused.exit_code == 6);
  CHECK(refused.err.substr(0, refused.err.find('\n')) ==
        "mqrr: error: the broker refused the message to 'secret/x' (not authorized, reason code 0x87)");
}

TEST_CASE("a connection lost while waiting for the response is exit 3, as mqsub's") {
  Workspace workspace;
  Broker broker{workspace};
  auto requester =
      start_tool(workspace, "mqrr",
                 {"-p", broker.port_text(), "-t", "svc/x", "-e", "reply/x", "-m", "?", "-W", "30", "-d"});
  REQUIRE(requester->wait_for_stderr("debug: sent the request to svc/x"));
  broker.stop();
  const Outcome lost = requester->finish();
  CHECK(lost.exit_code == 3);
  CHECK(contains(lost.err, "mqrr: error: "));
}

TEST_CASE(
    "--encode sends the JSON request as CBOR with its content type, --decode shows the CBOR answer as JSON") {
  Workspace workspace;
  Broker broker{workspace};
  // The command answers with the request's bytes and says what content type it saw.
  auto responder = start_responder(workspace, broker, "svc/cbor", {},
                                   {"sh", "-c", "cat; echo \"$MQ_CONTENT_TYPE\" >&2; exit 1"});
  const Outcome answered =
      request(workspace, broker,
              {"-t", "svc/cbor", "-e", "reply/cbor", "--encode", "cbor", "-m",
               R"({"t": 21.5, "raw": {"$binary": "AAE="}})", "--decode", "cbor", "--json", "-W", "10"});
  REQUIRE(answered.exit_code == 0);
  const nlohmann::json message = nlohmann::json::parse(answered.out);
  CHECK(message["payload_format"] == "cbor");
  CHECK(message["payload"] == nlohmann::json::parse(R"({"t": 21.5, "raw": {"$binary": "AAE="}})"));
  CHECK(responder->wait_for_stderr("the command exited with 1: application/cbor"));

  const Outcome not_json =
      request(workspace, broker,
              {"-t", "svc/cbor", "-e", "reply/cbor", "--encode", "cbor", "-m", "{oops", "-W", "10"});
  CHECK(not_json.exit_code == 2);
  CHECK(not_json.err.substr(0, 53) == "mqrr: error: the -m message cannot be published as cb");
}

TEST_CASE("Ctrl-C while waiting for the response is exit 130, after a clean disconnect") {
  Workspace workspace;
  Broker broker{workspace};
  auto requester = start_tool(workspace, "mqrr",
                              {"-p", broker.port_text(), "-t", "svc/x", "-e", "reply/x", "-m", "?", "-d"});
  REQUIRE(requester->wait_for_stderr("debug: sent the request to svc/x"));
  requester->signal(SIGINT);
  const Outcome interrupted = requester->finish();
  CHECK(interrupted.exit_code == 130);
  CHECK(contains(interrupted.err, "sending DISCONNECT"));
}
