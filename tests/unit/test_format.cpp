// The -F format of mosquitto_sub 2.1: every conversion with its flags, width and precision,
// the @ and \ sequences, and every error.
#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "mq/error.hpp"
#include "mq/format.hpp"
#include "mq/properties.hpp"

namespace {

// 2020-05-06T22:12:00.123456789 UTC; the tests run in UTC so local time is predictable.
const timespec received{1588803120, 123456789};
const bool in_utc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();

mq::Message message(std::string_view topic, std::string_view payload, int qos = 0, bool retain = false,
                    const mosquitto_property* properties = nullptr) {
  return mq::Message{topic, payload, qos, retain, qos > 0 ? 42 : 0, properties};
}

std::string render(std::string_view format, const mq::Message& m) {
  std::string out;
  mq::OutputFormat{format}.render(m, received, out);
  return out;
}

std::string render(std::string_view format, std::string_view payload = "mes") {
  return render(format, message("t/x", payload));
}

std::string bytes_of(float value) { return {reinterpret_cast<const char*>(&value), sizeof value}; }
std::string bytes_of(double value) { return {reinterpret_cast<const char*>(&value), sizeof value}; }

mq::Error format_error(std::string_view format) {
  try {
    mq::OutputFormat{format};
  } catch (const mq::Error& error) {
    return error;
  }
  FAIL("the format was accepted: ", format);
  return mq::Error{mq::Exit::ok, ""};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("literal text passes through and %% is a percent sign") {
  CHECK(render("plain text") == "plain text");
  CHECK(render("100%%") == "100%");
  CHECK(render("") == "");
}

TEST_CASE("%t is the topic, with width, precision and alignment as printf's %s") {
  CHECK(render("%t") == "t/x");
  CHECK(render("[%6t]") == "[   t/x]");
  CHECK(render("[%-6t]") == "[t/x   ]");
  CHECK(render("[%.2t]") == "[t/]");
  CHECK(render("[%5.2t]") == "[   t/]");
  CHECK(render("[%-5.2t]") == "[t/   ]");
  CHECK(render("[%06t]") == "[   t/x]");  // '0' does not apply to text
  CHECK(render("[%.t]") == "[]");         // an empty precision is zero
  CHECK(render("[%2t]") == "[t/x]");      // a width is a minimum for text
}

TEST_CASE("%p is the payload, a width pads and also truncates it, as mosquitto_sub 2.1 does") {
  CHECK(render("%p") == "mes");
  CHECK(render("[%6p]") == "[   mes]");
  CHECK(render("[%-6p]") == "[mes   ]");
  CHECK(render("[%06p]") == "[000mes]");
  CHECK(render("[%2p]") == "[me]");
  CHECK(render("[%-p]") == "[mes   ]");  // '-' without a width pads by the payload's length
  CHECK(render("%p", std::string_view{"a\0b", 3}) == std::string{"a\0b", 3});
  CHECK(render("[%p]", "") == "[]");
}

TEST_CASE("%x and %X print the payload in hex, padded, truncated and grouped") {
  CHECK(render("%x") == "6d6573");
  CHECK(render("%X", "\xff\x0a") == "FF0A");
  CHECK(render("[%10x]") == "[    6d6573]");
  CHECK(render("[%010x]") == "[00006d6573]");
  CHECK(render("[%-10x]") == "[6d6573    ]");
  CHECK(render("[%2x]") == "[6d65]");     // the width truncates to that many bytes
  CHECK(render("[%-2x]") == "[6d65  ]");  // and '-' then pads by the excess
  CHECK(render("%.2x") == "6d 65 73");
  CHECK(render("%.2:x") == "6d:65:73");
  CHECK(render("%.4-X") == "6D65-73");
  CHECK(render("%.1x", "ab") == "6 1 6 2");
  CHECK(render("%.3x") == "6d6 573");
  CHECK(render("[%10.2:x]") == "[  :  :6d:65:73]");  // padding counts towards the groups
  CHECK(render("[%x]", "") == "[]");
}

TEST_CASE("%l and %m are integers with width, '-' and '0'") {
  const mq::Message qos1 = message("t", "hello", 1);
  CHECK(render("%l", qos1) == "5");
  CHECK(render("[%4l]", qos1) == "[   5]");
  CHECK(render("[%-4l]", qos1) == "[5   ]");
  CHECK(render("[%04l]", qos1) == "[0005]");
  CHECK(render("%m", qos1) == "42");
  CHECK(render("[%05m]", qos1) == "[00042]");
  CHECK(render("%m", message("t", "x")) == "0");
}

TEST_CASE("%q is the QoS and %r the retained flag") {
  CHECK(render("%q %r", message("t", "x", 2, true)) == "2 1");
  CHECK(render("%q %r", message("t", "x", 0, false)) == "0 0");
}

TEST_CASE("%I, %U, @ sequences and @N give the time of arrival") {
  CHECK(render("%I") == "2020-05-06T22:12:00+0000");
  CHECK(render("[%.10I]") == "[2020-05-06]");
  CHECK(render("[%26I]") == "[  2020-05-06T22:12:00+0000]");
  CHECK(render("%U") == "1588803120.123456789");
  CHECK(render("@Y-@m-@dT@H:@M:@S.@N") == "2020-05-06T22:12:00.123456789");
  CHECK(render("@s @j @a") == "1588803120 127 Wed");
  CHECK(render("a@@b") == "a@b");
}

TEST_CASE("backslash escapes give control characters") {
  CHECK(render("\\\\|\\a|\\e|\\n|\\r|\\t|\\v") == "\\|\a|\033|\n|\r|\t|\v");
  CHECK(render("a\\0b") == std::string{"a\0b", 3});
}

TEST_CASE("%f and %d read the payload as an IEEE 754 float or double") {
  CHECK(render("%f", bytes_of(1.5f)) == "1.500000");
  CHECK(render("%.2f", bytes_of(1.5f)) == "1.50");
  CHECK(render("[%8.2f]", bytes_of(-1.5f)) == "[   -1.50]");
  CHECK(render("[%-8.2f]", bytes_of(1.5f)) == "[1.50    ]");
  CHECK(render("[%08.2f]", bytes_of(1.5f)) == "[00001.50]");
  CHECK(render("[%10f]", bytes_of(1.5f)) == "[  1.500000]");
  CHECK(render("%d", bytes_of(2.25)) == "2.250000");
  CHECK(render("%.1d", bytes_of(2.25)) == "2.2");

  std::string out, problem;
  mq::OutputFormat{"[%f]"}.render(message("sensor", "abc"), received, out, &problem);
  CHECK(out == "[]");
  CHECK(contains(problem, "%f needs a payload of 4 bytes"));
  CHECK(contains(problem, "'sensor' has 3"));
  CHECK(render("[%d]", bytes_of(1.5f)) == "[]");
}

TEST_CASE("the MQTT v5 property conversions print the property, or fill the field when absent") {
  mq::Properties properties;
  properties.add_byte(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
  properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 3600);
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  properties.add_string(MQTT_PROP_RESPONSE_TOPIC, "reply/here");
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, std::string_view{"id\x01", 3});
  properties.add_varint(MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 7);
  properties.add_int16(MQTT_PROP_TOPIC_ALIAS, 3);
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "colour", "red");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "size", "big");
  const mq::Message with = message("t", "x", 1, false, properties.get());

  CHECK(render("%F|%E|%C|%R|%S|%A", with) == "1|3600|text/plain|reply/here|7|3");
  CHECK(render("%D", with) == "id\x01");
  CHECK(render("%P", with) == "colour:red size:big");
  CHECK(render("[%3F][%-6E][%06S][%4A]", with) == "[  1][3600  ][000007][   3]");
  CHECK(render("[%12C][%.4C][%-11R]", with) == "[  text/plain][text][reply/here ]");

  const mq::Message without = message("t", "x");
  CHECK(render("[%3F][%3E][%3S][%3A][%3C]", without) == "[   ][   ][   ][   ][   ]");
  CHECK(render("[%03F][%03A]", without) == "[000][000]");
  CHECK(render("[%3R][%3D][%3P]", without) == "[][][]");
}

TEST_CASE("%j and %J write the message as JSON") {
  CHECK(
      render("%j", message("t", "hi")) ==
      R"({"tst":"2020-05-06T22:12:00.123456+0000","topic":"t","qos":0,"retain":false,"payloadlen":2,"payload":"hi"})");
  CHECK(
      render("%J", message("t", R"({"a": 1.0})", 1, true)) ==
      R"({"tst":"2020-05-06T22:12:00.123456+0000","topic":"t","qos":1,"retain":true,"payloadlen":10,"mid":42,"payload":{"a":1}})");
  std::string pretty;
  mq::OutputFormat{"%j", true}.render(message("t", "hi"), received, pretty);
  CHECK(pretty ==
        "{\n\t\"tst\":\t\"2020-05-06T22:12:00.123456+0000\",\n\t\"topic\":\t\"t\",\n\t\"qos\":\t0,\n"
        "\t\"retain\":\tfalse,\n\t\"payloadlen\":\t2,\n\t\"payload\":\t\"hi\"\n}");
}

TEST_CASE("parsing records flags, width, precision and separator") {
  const mq::OutputFormat format{"a%-08.2:xb@H@N"};
  const auto& pieces = format.pieces();
  REQUIRE(pieces.size() == 5);
  CHECK(pieces[0].text == "a");
  CHECK(pieces[1].letter == 'x');
  CHECK(pieces[1].options.left_align);
  CHECK(pieces[1].options.zero_pad);
  CHECK(pieces[1].options.width == 8);
  CHECK(pieces[1].options.precision == 2);
  CHECK(pieces[1].options.separator == ':');
  CHECK(pieces[2].text == "b");
  CHECK(pieces[3].kind == mq::FormatPiece::Kind::time);
  CHECK(pieces[4].kind == mq::FormatPiece::Kind::nanoseconds);
  CHECK(format.uses_time());
  CHECK_FALSE(mq::OutputFormat{"%t %p %x"}.uses_time());
  CHECK(mq::OutputFormat{"%t\\n\\tx%%y"}.pieces().size() == 2);  // literals and escapes merge
}

TEST_CASE("a conversion letter that does not exist is an error pointing at it") {
  const mq::Error error = format_error("ab%k");
  CHECK(error.code() == mq::Exit::usage);
  CHECK(contains(error.what(), "invalid -F format: 'k' is not a conversion letter (in '%k')"));
  CHECK(error.cause() == "ab%k\n" + std::string(9 + 3, ' ') + "^ character 4");
  CHECK(contains(error.fix(), "%A %C %D"));
  CHECK(contains(format_error("%5.2:k").cause(), "^ character 6"));
  CHECK(contains(format_error("%\x01").what(), "'\\x01' is not a conversion letter"));
}

TEST_CASE("a conversion cut short at the end of the format is an error pointing at its start") {
  for (const std::string_view format : {"%", "x%", "%-", "%0", "%12", "%.", "%.3", "%.3:", "%-05.2,"}) {
    CAPTURE(format);
    const mq::Error error = format_error(format);
    CHECK(error.code() == mq::Exit::usage);
    CHECK(contains(error.what(), "has no letter"));
  }
  CHECK(contains(format_error("x%12").cause(), "^ character 2"));
}

TEST_CASE("unknown and unfinished escapes and @ sequences are errors") {
  CHECK(contains(format_error("a\\q").what(), "'\\q' is not an escape"));
  CHECK(contains(format_error("a\\q").cause(), "^ character 3"));
  CHECK(contains(format_error("a\\").what(), "'\\' ends the format"));
  CHECK(contains(format_error("time @").what(), "'@' ends the format"));
  CHECK(contains(format_error("time @").cause(), "^ character 6"));
}

TEST_CASE("a width or precision beyond the limit is an error") {
  CHECK(contains(format_error("%70000t").what(), "field width"));
  CHECK(contains(format_error("%.70000x").what(), "precision"));
  CHECK_NOTHROW(mq::OutputFormat{"%65535t"});
}

TEST_CASE("the caret accounts for characters shown escaped and for UTF-8") {
  CHECK(format_error("\t%k").cause() == "\\x09%k\n" + std::string(9 + 5, ' ') + "^ character 3");
  CHECK(format_error("\xc3\xa9%k").cause() == "\xc3\xa9%k\n" + std::string(9 + 2, ' ') + "^ character 3");
}
