// mqpub's message sources, retain and repeat, seen by a subscriber.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// Subscribes to `topic`, runs mqpub with `arguments` (and `input`), and returns what arrived.
std::string published(const std::vector<std::string>& arguments, int count,
                      std::optional<std::string> input = {}) {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(
      workspace, {"-p", broker.port_text(), "-t", "src/#", "-v", "-C", std::to_string(count), "-q", "1"});
  std::vector<std::string> all{"-p", broker.port_text()};
  all.insert(all.end(), arguments.begin(), arguments.end());
  const Outcome outcome = run_tool(workspace, "mqpub", all, std::move(input));
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == "");
  return subscriber->finish().out;
}

}  // namespace

TEST_CASE("-f publishes a whole file, binary safe, an empty file is an empty message") {
  Workspace workspace;
  Broker broker{workspace};
  const std::string binary{"\x00\x01\xff\n\r\nend", 9};
  const auto file = workspace.write("payload.bin", binary);
  const auto empty = workspace.write("empty.bin", "");
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "src/#", "-v", "-C", "2"});

  CHECK(run_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-t", "src/bin", "-f", file.string(), "-q", "1"})
            .exit_code == 0);
  CHECK(run_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-t", "src/empty", "-f", empty.string(), "-q", "1"})
            .exit_code == 0);

  CHECK(subscriber->finish().out == "src/bin " + binary + "\nsrc/empty (null)\n");
}

TEST_CASE("-s publishes all of standard input as one message") {
  CHECK(published({"-t", "src/s", "-s", "-q", "1"}, 1, std::string{"line one\nline two\n"}) ==
        "src/s line one\nline two\n\n");
}

TEST_CASE("-l publishes one message per line: newline stripped, empty lines empty, last line without newline "
          "sent") {
  CHECK(published({"-t", "src/l", "-l", "-q", "1"}, 4, std::string{"first\n\nthird\nlast"}) ==
        "src/l first\nsrc/l (null)\nsrc/l third\nsrc/l last\n");
}

TEST_CASE("-l: lines longer than the read buffer (64 KiB) and than 1 MiB arrive whole, with the lines around "
          "them") {
  const std::string medium(100 * 1024, 'm');
  const std::string long_line(3 * 1024 * 1024 + 7, 'l');
  const std::string input = "a\n" + medium + "\nb\n" + long_line + "\n" + long_line + "\nc";
  CHECK(published({"-t", "src/long", "-l", "-q", "1"}, 6, input) ==
        "src/long a\nsrc/long " + medium + "\nsrc/long b\nsrc/long " + long_line + "\nsrc/long " + long_line +
            "\nsrc/long c\n");
}

TEST_CASE("--repeat sends a file's payload each time, unchanged") {
  const std::string payload(1024 * 1024, 'p');
  Workspace workspace;
  const auto file = workspace.write("payload.bin", payload);
  CHECK(published({"-t", "src/rep", "-f", file.string(), "--repeat", "3", "-q", "1"}, 3) ==
        "src/rep " + payload + "\nsrc/rep " + payload + "\nsrc/rep " + payload + "\n");
}

TEST_CASE("-n publishes an empty message and -r retains it") {
  Workspace workspace;
  Broker broker{workspace};
  REQUIRE(
      run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "src/r", "-m", "kept", "-r", "-q", "1"})
          .exit_code == 0);
  CHECK(run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "src/r", "-C", "1", "-W", "5"}).out ==
        "kept\n");
  // an empty retained message clears the retained one
  REQUIRE(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "src/r", "-n", "-r", "-q", "1"})
              .exit_code == 0);
  CHECK(run_tool(workspace, "mqsub", {"-p", broker.port_text(), "-t", "src/r", "-C", "1", "-W", "0.5"})
            .exit_code == 8);
}

// The spacing itself is the pacer's, proved without a clock in tests/unit/test_pacer.cpp and
// test_pub_pacing.cpp, and measured against mosquitto_pub by `scripts/bench pub-rate`; here, that
// a paced run delivers every message, in order.
TEST_CASE("--repeat with --repeat-delay publishes the message that many times") {
  CHECK(published({"-t", "src/rep", "-m", "again", "--repeat", "3", "--repeat-delay", "0.2", "-q", "1"}, 3) ==
        "src/rep again\nsrc/rep again\nsrc/rep again\n");
}

TEST_CASE("--rate publishes every line, in order") {
  CHECK(
      published({"-t", "src/rate", "-l", "--rate", "10", "-q", "1"}, 6, std::string{"1\n2\n3\n4\n5\n6\n"}) ==
      "src/rate 1\nsrc/rate 2\nsrc/rate 3\nsrc/rate 4\nsrc/rate 5\nsrc/rate 6\n");
}

TEST_CASE("source usage errors exit 2 and name the option") {
  Workspace workspace;
  const auto missing = (workspace / "missing.bin").string();
  struct Case {
    std::vector<std::string> arguments;
    std::string named;
  };
  const std::vector<Case> cases{
      {{"-t", "t", "-m", "a", "-n"}, "--null-message"},
      {{"-t", "t", "-m", "a", "-l"}, "--stdin-line"},
      {{"-t", "t", "-f", missing}, "--file '" + missing + "' cannot be read"},
      {{"-t", "t", "-f", workspace.path().string()}, "is a directory"},
      {{"-t", "t", "-m", "a", "--json-lines"}, "--json-lines"},
      {{"-t", "t", "-l", "--repeat", "2"}, "--repeat"},
      {{"-t", "t", "-m", "a", "--repeat", "0"}, "--repeat"},
      {{"-t", "t", "-m", "a", "--rate", "0"}, "--rate"},
      {{"-t", "t", "-m", "a", "--repeat-delay", "-1"}, "--repeat-delay"},
      {{"-t", "bad\xff", "-m", "a"}, "not valid UTF-8"},
      {{"-t", "t", "-m", "a", "-D", "publish", "no-such", "1"}, "no-such"},
      {{"-t", "t", "-m", "a", "-D", "publish", "message-expiry-interval", "x"}, "message-expiry-interval"},
      {{"-t", "t", "-m", "a", "-D", "subscribe", "user-property", "k", "v"}, "subscribe"},
      {{"-t", "t", "-m", "a", "-D", "publish", "content-type", "c", "-V", "311"}, "needs MQTT v5"},
      {{"-t", "t", "-m", "a", "-o", missing}, "--options-file '" + missing + "' cannot be read"},
  };
  for (const Case& example : cases) {
    CAPTURE(example.arguments);
    const Outcome outcome = run_tool(workspace, "mqpub", example.arguments);
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, example.named));
    CHECK(contains(outcome.err, "mqpub --help"));
  }
}
