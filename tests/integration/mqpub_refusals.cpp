// Messages mqpub cannot send: an invalid topic, a payload over the broker's maximum packet size
// or over MQTT's own limit. Each is refused promptly, says which message and why, and the
// others still go.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

constexpr std::size_t mqtt_limit = 268'435'455;  // bytes after a packet's fixed header

BrokerSetup packet_limit(int bytes) {
  BrokerSetup setup;
  setup.extra_lines = {"max_packet_size " + std::to_string(bytes)};
  return setup;
}

// Runs mqpub, failing the test (instead of hanging it) if it does not end within 20 s.
Outcome run_mqpub(const Workspace& workspace, const std::vector<std::string>& arguments,
                  std::optional<std::string> input = {}) {
  auto publisher = start_tool(workspace, "mqpub", arguments, std::move(input));
  const bool ended = publisher->wait_for_exit(std::chrono::seconds(20)).has_value();
  const std::string stderr_so_far = publisher->err();
  CHECK_MESSAGE(ended, "mqpub did not end; its stderr: " << stderr_so_far);
  return publisher->finish();
}

// A file of `size` bytes that takes no disk space.
std::filesystem::path sparse_file(const Workspace& workspace, std::uintmax_t size) {
  const auto path = workspace / "huge.bin";
  workspace.write("huge.bin", "");
  std::filesystem::resize_file(path, size);
  return path;
}

}  // namespace

TEST_CASE("an empty topic is exit 2 before connecting, with -t and in a --json-lines line") {
  Workspace workspace;
  const std::string nobody = std::to_string(free_port());  // connecting would be exit 3
  const Outcome empty = run_mqpub(workspace, {"-p", nobody, "-t", "", "-m", "x"});
  CHECK(empty.exit_code == 2);
  CHECK(contains(empty.err, "--topic '' is not valid: it is empty"));

  Broker broker{workspace};
  const Outcome line = run_mqpub(workspace, {"-p", broker.port_text(), "-l", "--json-lines", "-q", "1"},
                                 std::string{"{\"topic\": \"\", \"payload\": \"x\"}\n"});
  CHECK(line.exit_code == 2);
  CHECK(contains(line.err, "--json-lines line 1: \"topic\" '' is not valid: it is empty"));
}

TEST_CASE(
    "a file over the broker's maximum packet size (MQTT v5) is exit 9 naming the limit, at QoS 0 and 1") {
  Workspace workspace;
  Broker broker{workspace, packet_limit(1000)};
  const auto file = workspace.write("big.bin", std::string(2000, 'x'));
  for (const std::string qos : {"0", "1"}) {
    CAPTURE(qos);
    const Outcome outcome =
        run_mqpub(workspace, {"-p", broker.port_text(), "-t", "big", "-f", file.string(), "-q", qos});
    CHECK(outcome.exit_code == 9);
    CHECK(contains(outcome.err, "mqpub: error: --file '" + file.string() +
                                    "' was not sent: the message to 'big' is too large for the broker at "
                                    "localhost:" +
                                    broker.port_text()));
    CHECK(contains(outcome.err,
                   "the broker accepts packets of at most 1000 bytes (the maximum packet size in "
                   "its CONNACK)"));
    CHECK(contains(outcome.err, "sent 1, acknowledged 0, not acknowledged 0, refused 1"));
    CHECK(contains(outcome.err, "max_packet_size"));
  }
}

TEST_CASE("-l: a line over the broker's limit is refused, the lines after it are still sent, exit 9") {
  Workspace workspace;
  Broker broker{workspace, packet_limit(1000)};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "lines", "-C", "4", "-q", "1"});
  const std::string input = "1\n2\n" + std::string(2000, 'x') + "\n4\n5\n";

  const Outcome outcome =
      run_mqpub(workspace, {"-p", broker.port_text(), "-t", "lines", "-l", "-q", "1"}, input);

  CHECK(outcome.exit_code == 9);
  CHECK(contains(outcome.err, "line 3 was not sent: the message to 'lines' is too large"));
  CHECK(contains(outcome.err, "sent 5, acknowledged 4, not acknowledged 0, refused 1"));
  CHECK(subscriber->finish().out == "1\n2\n4\n5\n");
}

TEST_CASE("-V 311: the broker closes the connection on a message over its limit, and mqpub says so") {
  Workspace workspace;
  Broker broker{workspace, packet_limit(1000)};
  const auto file = workspace.write("big.bin", std::string(2000, 'x'));

  const Outcome outcome = run_mqpub(
      workspace, {"-p", broker.port_text(), "-V", "311", "-t", "big", "-f", file.string(), "-q", "1"});

  CHECK(outcome.exit_code == 9);
  CHECK(contains(outcome.err, "--file '" + file.string() + "' (2000 bytes to 'big') was not delivered"));
  CHECK(contains(outcome.err, "closed the connection each time it received it"));
  CHECK(contains(outcome.err,
                 "larger than the broker's maximum packet size, which MQTT v3.1.1 cannot announce"));
  CHECK(contains(outcome.err, "refused 1"));
  CHECK_FALSE(contains(outcome.err, "still running"));
}

TEST_CASE("a payload over MQTT's own limit is exit 2 before connecting, and a file is not even read") {
  Workspace workspace;
  const std::string nobody = std::to_string(free_port());  // connecting would be exit 3
  // with the topic (2 + 1 bytes) and the empty MQTT v5 property list (1), 1 byte over the limit
  const auto file = sparse_file(workspace, mqtt_limit - 3);

  const Outcome from_file = run_mqpub(workspace, {"-p", nobody, "-t", "t", "-f", file.string()});
  CHECK(from_file.exit_code == 2);
  CHECK(contains(from_file.err, "--file '" + file.string() + "' is larger than MQTT allows"));
  CHECK(contains(from_file.err, "it has 268435452 bytes, and a PUBLISH packet to 't' can carry at most "
                                "268435451 bytes of payload"));

  const std::string mqpub = tool_path("mqpub");
  const Outcome redirected =
      run(Command{{"sh", "-c", mqpub + " -p " + nobody + " -t t -s < '" + file.string() + "'"}, {}, {}},
          workspace.path());
  CHECK(redirected.exit_code == 2);
  CHECK(contains(redirected.err, "standard input (-s) is larger than MQTT allows"));

  // from a pipe the size is known only while reading: counted, and refused once over
  const Outcome piped = run(
      Command{{"sh", "-c", "cat '" + file.string() + "' | " + mqpub + " -p " + nobody + " -t t -s"}, {}, {}},
      workspace.path());
  CHECK(piped.exit_code == 2);
  CHECK(contains(piped.err, "it has more than 268435451 bytes"));
}

TEST_CASE("-l: a line over MQTT's own limit is skipped, the others are sent, exit 9") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "lines", "-C", "2", "-q", "1"});
  const auto huge = sparse_file(workspace, mqtt_limit);  // zero bytes, no newline
  const std::string mqpub = tool_path("mqpub");
  const Outcome outcome = run(Command{{"sh", "-c",
                                       "{ echo first; cat '" + huge.string() + "'; echo; echo last; } | " +
                                           mqpub + " -p " + broker.port_text() + " -t lines -l -q 1"},
                                      {},
                                      {}},
                              workspace.path());

  CHECK(outcome.exit_code == 9);
  CHECK(contains(outcome.err, "line 2 was not sent: the message to 'lines' is larger than MQTT allows"));
  CHECK(contains(outcome.err, "with 268435455 bytes of payload"));
  CHECK(contains(outcome.err, "sent 3, acknowledged 2, not acknowledged 0, refused 1"));
  CHECK(subscriber->finish().out == "first\nlast\n");
}
