// MessageWriter (mqsub, mqrr): the payload, -v, -N, -F, --json and -w layouts.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "mq/codec.hpp"
#include "mq/message_writer.hpp"

namespace {

const timespec received{1588803120, 123456789};
const bool in_utc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();

std::string write(mq::MessageWriter& writer, std::string_view topic, std::string_view payload) {
  std::string out, problem;
  writer.write(mq::Message{topic, payload, 0, false, 0, nullptr}, received, out, problem);
  return out;
}

std::string write(const mq::PrintOptions& options, std::string_view topic, std::string_view payload) {
  mq::MessageWriter writer{options, "localhost"};
  return write(writer, topic, payload);
}

mq::PrintOptions output(bool verbose, bool no_end_of_line) {
  mq::PrintOptions options;
  options.verbose = verbose;
  options.no_end_of_line = no_end_of_line;
  return options;
}

}  // namespace

TEST_CASE("the payload alone, then a newline, nothing at all for an empty payload") {
  CHECK(write(output(false, false), "t", "hello") == "hello\n");
  CHECK(write(output(false, false), "t", "") == "");
  CHECK(write(output(false, true), "t", "hello") == "hello");
}

TEST_CASE("-v prints 'topic payload', and 'topic (null)' for an empty payload unless -N") {
  CHECK(write(output(true, false), "a/b", "hello") == "a/b hello\n");
  CHECK(write(output(true, false), "a/b", "") == "a/b (null)\n");
  CHECK(write(output(true, true), "a/b", "hello") == "a/b hello");
  CHECK(write(output(true, true), "a/b", "") == "");
}

TEST_CASE("-F takes precedence over -v, and -N drops its newline") {
  mq::PrintOptions options = output(true, false);
  options.format = "%t=%p";
  CHECK(write(options, "k", "v") == "k=v\n");
  options.no_end_of_line = true;
  CHECK(write(options, "k", "v") == "k=v");
}

TEST_CASE("--json writes one line of %j's JSON") {
  mq::PrintOptions options;
  options.json = true;
  mq::MessageWriter writer{options, "localhost"};
  CHECK(writer.needs_time());
  CHECK(
      write(writer, "t", "x") ==
      R"({"tst":"2020-05-06T22:12:00.123456+0000","topic":"t","qos":0,"retain":false,"payloadlen":1,"payload":"x"})"
      "\n");
}

TEST_CASE("-w clears the screen once, then writes each topic on its own line") {
  mq::PrintOptions options = output(true, false);
  options.watch = true;
  mq::MessageWriter writer{options, "broker.example"};
  CHECK(writer.preamble() == "\033[2J\033[1;1HBroker: broker.example\n");
  CHECK(write(writer, "a", "1") == "\033[2;1H\033[2Ka 1\n\033[2;1H\n");
  CHECK(write(writer, "b", "2") == "\033[3;1H\033[2Kb 2\n\033[3;1H\n");
  CHECK(write(writer, "a", "3") == "\033[2;1H\033[2Ka 3\n\033[3;1H\n");
  CHECK(mq::MessageWriter{output(false, false), "x"}.preamble() == "");
}

TEST_CASE("only formats with time or JSON read the clock") {
  CHECK_FALSE(mq::MessageWriter{output(true, false), "x"}.needs_time());
  mq::PrintOptions options;
  options.format = "%t %p";
  CHECK_FALSE(mq::MessageWriter{options, "x"}.needs_time());
  options.format = "@H %p";
  CHECK(mq::MessageWriter{options, "x"}.needs_time());
}

TEST_CASE("--decode: the decoded value replaces the payload in every layout, -F's %p keeps the bytes, %v "
          "shows it") {
  const mq::JsonValue value = mq::JsonValue::parse(
      R"({"t": 21.5, "big": 18446744073709551615, "b": [true], "f": 3.0, "z": -0.0, "e": 1e300})");
  const mq::DecodedPayload decoded{&value, "cbor"};
  const auto with = [&](const mq::PrintOptions& options) {
    mq::MessageWriter writer{options, "localhost"};
    std::string out, problem;
    writer.write(mq::Message{"s/1", "\xA1raw", 0, false, 0, nullptr}, received, out, problem, &decoded);
    return out;
  };
  const std::string shown = R"({"t":21.5,"big":18446744073709551615,"b":[true],"f":3.0,"z":-0.0,"e":1e+300})";
  CHECK(with(output(false, false)) == shown + "\n");
  CHECK(with(output(true, false)) == "s/1 " + shown + "\n");
  mq::PrintOptions format = output(false, false);
  format.format = "%t %v %p";
  CHECK(with(format) == "s/1 " + shown + " \xA1raw\n");
  mq::PrintOptions json = output(false, false);
  json.json = true;
  CHECK(with(json) == R"({"tst":"2020-05-06T22:12:00.123456+0000","topic":"s/1","qos":0,"retain":false,)"
                      R"("payloadlen":4,"payload_format":"cbor","payload":)" +
                          shown + "}\n");
  // %v without a decoded value is the payload
  std::string out, problem;
  mq::MessageWriter plain{format, "localhost"};
  plain.write(mq::Message{"s/1", "raw", 0, false, 0, nullptr}, received, out, problem);
  CHECK(out == "s/1 raw raw\n");
}
