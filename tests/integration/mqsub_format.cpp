// mqsub's output: payload, -v, -N and -F, byte for byte as mosquitto_sub prints it.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstring>

#include "mqsub_support.hpp"

using namespace mq::test;

namespace {

// Three retained messages, one of them with MQTT v5 properties, for both subscribers to receive.
void publish_samples(const Workspace& workspace, const Broker& broker) {
  REQUIRE(reference_publish(workspace, broker, {"-t", "f/1", "-m", "hello", "-r"}).exit_code == 0);
  std::vector<std::string> with_properties{"-V", "5", "-t", "f/2", "-m", "{\"t\": 21.5}", "-r"};
  for (const std::vector<std::string>& property :
       {std::vector<std::string>{"content-type", "application/json"},
        {"response-topic", "reply/to"},
        {"payload-format-indicator", "1"},
        {"user-property", "unit", "celsius"},
        {"correlation-data", "req-7"},
        {"user-property", "room", "kitchen"}}) {
    with_properties.insert(with_properties.end(), {"-D", "publish"});
    with_properties.insert(with_properties.end(), property.begin(), property.end());
  }
  REQUIRE(reference_publish(workspace, broker, with_properties).exit_code == 0);
  REQUIRE(
      reference_publish(workspace, broker, {"-t", "f/3/long/topic/name", "-m", "a b\tc", "-r"}).exit_code ==
      0);
}

}  // namespace

TEST_CASE("-F output matches mosquitto_sub byte for byte, conversion by conversion") {
  Workspace workspace;
  Broker broker{workspace};
  publish_samples(workspace, broker);
  // What mosquitto_sub 2.0.11 prints as 2.1 does (2.0.11 differs for hex widths and groups,
  // %f, %d, %j and %J, which the unit tests and the tests below cover).
  const std::vector<std::string> formats{
      "%t|%p",
      "[%10t][%-10t][%.3t][%6.2t][%-6.2t][%06t]",
      "[%8p][%-8p][%2p][%08p][%-p]",
      "%q %r %l %m [%5l][%-5l][%05l] 100%%",
      "%x %X",
      "[%C][%R][%E][%F][%P][%D]",
      "[%20C][%-12R][%8E][%-3F][%04F][%.4C]",
      "[%5S][%-5S][%05S][%5A][%05A][%5E][%05E]",
      "@Y \\\\ \\t tab \\e[1mbold\\e[0m \\a \\v \\r @@",
  };
  for (const std::string& format : formats) {
    CAPTURE(format);
    const std::vector<std::string> arguments{"-V", "5", "-t", "f/#", "-C", "3", "-W", "10", "-F", format};
    const Outcome ours = subscribe(workspace, broker, arguments);
    const Outcome reference = reference_subscribe(workspace, broker, arguments);
    CHECK(ours.exit_code == 0);
    CHECK(reference.exit_code == 0);
    CHECK(ours.out == reference.out);
    CHECK(ours.err == "");
  }
}

TEST_CASE("-v, -N and -F with -N match mosquitto_sub byte for byte") {
  Workspace workspace;
  Broker broker{workspace};
  publish_samples(workspace, broker);
  for (const std::vector<std::string>& output : {std::vector<std::string>{},
                                                 {"-v"},
                                                 {"-N"},
                                                 {"-v", "-N"},
                                                 {"-F", "%t=%p", "-N"},
                                                 {"-F", "%p\\0", "-N"}}) {
    CAPTURE(output);
    std::vector<std::string> arguments{"-t", "f/#", "-C", "3", "-W", "10"};
    arguments.insert(arguments.end(), output.begin(), output.end());
    CHECK(subscribe(workspace, broker, arguments).out ==
          reference_subscribe(workspace, broker, arguments).out);
  }
}

TEST_CASE("an empty payload prints nothing, 'topic (null)' with -v, and nothing with -v -N") {
  Workspace workspace;
  Broker broker{workspace};
  auto plain = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "e", "-C", "2"});
  auto verbose = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "e", "-C", "2", "-v"});
  auto verbose_no_eol =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "e", "-C", "2", "-v", "-N"});
  REQUIRE(reference_publish(workspace, broker, {"-t", "e", "-n", "-q", "1"}).exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "e", "-m", "x", "-q", "1"}).exit_code == 0);

  CHECK(plain->finish().out == "x\n");
  CHECK(verbose->finish().out == "e (null)\ne x\n");
  CHECK(verbose_no_eol->finish().out == "e x");
}

TEST_CASE("%E prints the message expiry interval the broker has left") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(
              workspace, broker,
              {"-V", "5", "-t", "x", "-m", "m", "-r", "-D", "publish", "message-expiry-interval", "3600"})
              .exit_code == 0);
  const Outcome outcome = subscribe(workspace, broker, {"-t", "x", "-C", "1", "-F", "%E|%-6E|%06E"});
  REQUIRE(outcome.exit_code == 0);
  const int left = std::stoi(outcome.out);
  CHECK(left > 3500);  // the broker counts down the seconds the message was retained
  CHECK(left <= 3600);
  CHECK(outcome.out == fmt::format("{}|{:<6}|{:06}\n", left, left, left));
}

TEST_CASE("hex widths and groups follow mosquitto_sub 2.1") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "h", "-m", "mes", "-r"}).exit_code == 0);
  const Outcome outcome =
      subscribe(workspace, broker,
                {"-t", "h", "-C", "1", "-F", "[%10x][%010X][%-10x][%2x][%.2x][%.2:X][%.4-x][%10.2:x]"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out ==
        "[    6d6573][00006D6573][6d6573    ][6d65][6d 65 73][6D:65:73][6d65-73][  :  :6d:65:73]\n");
}

TEST_CASE("%f and %d print a payload of IEEE 754 bytes, another size is reported and skipped") {
  Workspace workspace;
  Broker broker{workspace};
  const float single = 21.5f;
  const double twice = -0.125;
  workspace.write("float", std::string(reinterpret_cast<const char*>(&single), sizeof single));
  workspace.write("double", std::string(reinterpret_cast<const char*>(&twice), sizeof twice));
  REQUIRE(reference_publish(workspace, broker, {"-t", "n/f", "-f", (workspace / "float").string(), "-r"})
              .exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "n/d", "-f", (workspace / "double").string(), "-r"})
              .exit_code == 0);

  CHECK(subscribe(workspace, broker, {"-t", "n/f", "-C", "1", "-F", "%f [%8.2f] [%-8.1f] [%08.3f]"}).out ==
        "21.500000 [   21.50] [21.5    ] [0021.500]\n");
  CHECK(subscribe(workspace, broker, {"-t", "n/d", "-C", "1", "-F", "%d %.3d"}).out == "-0.125000 -0.125\n");
  const Outcome wrong = subscribe(workspace, broker, {"-t", "n/d", "-C", "1", "-F", "[%f]"});
  CHECK(wrong.exit_code == 0);
  CHECK(wrong.out == "[]\n");
  CHECK(contains(wrong.err, "mqsub: warning: %f needs a payload of 4 bytes"));
}

TEST_CASE("%I, %U and @ sequences print the time of arrival") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(reference_publish(workspace, broker, {"-t", "time", "-m", "x", "-r"}).exit_code == 0);
  const Outcome outcome =
      run_tool(workspace, "mqsub",
               {"-p", broker.port_text(), "-t", "time", "-C", "1", "-F", "%I|%U|@Y-@m-@d @H:@M:@S.@N"},
               std::nullopt, {{"TZ", "UTC"}});
  REQUIRE(outcome.exit_code == 0);
  const std::string& out = outcome.out;
  // 2026-11-25T12:00:00+0000|1795600000.123456789|2026-11-25 12:00:00.123456789
  REQUIRE(out.size() == 24 + 1 + 20 + 1 + 29 + 1);
  CHECK(out.substr(19, 5) == "+0000");
  CHECK(out.substr(0, 10) == out.substr(46, 10));  // the same date in %I and @Y-@m-@d
  CHECK(out.substr(11, 8) == out.substr(57, 8));   // the same time in %I and @H:@M:@S
  CHECK(out.substr(36, 9) == out.substr(66, 9));   // the same nanoseconds in %U and @N
  CHECK(out[35] == '.');
}

TEST_CASE("a bad -F is refused with exit 2, pointing at the offending character, before connecting") {
  Workspace workspace;
  struct Case {
    std::string format, what, caret;
  };
  for (const Case& example : {Case{"%t %k", "'k' is not a conversion letter", "    ^ character 5"},
                              Case{"%t %5.", "the conversion '%5.' has no letter", "   ^ character 4"},
                              Case{"x\\q", "'\\q' is not an escape", "  ^ character 3"},
                              Case{"@", "'@' ends the format", "^ character 1"}}) {
    CAPTURE(example.format);
    const Outcome outcome = run_tool(workspace, "mqsub", {"-p", "1", "-t", "t", "-F", example.format});
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.out == "");
    CHECK(contains(outcome.err, "mqsub: error: invalid -F format: " + example.what));
    CHECK(contains(outcome.err, "  cause: " + example.format + "\n         " + example.caret + "\n"));
    CHECK_FALSE(contains(outcome.err, "connect"));
  }
}
