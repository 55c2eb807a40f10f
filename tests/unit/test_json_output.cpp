// Messages as JSON: mosquitto_sub 2.1's keys and cJSON's layout, always valid JSON.
#include <doctest/doctest.h>
#include <mqtt_protocol.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>

#include "mq/json_output.hpp"
#include "mq/properties.hpp"
#include "mq/text.hpp"

namespace {

const timespec received{1588803120, 123456789};
const bool in_utc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();
const std::string tst = R"("tst":"2020-05-06T22:12:00.123456+0000")";

std::string json(std::string_view payload, mq::JsonPayload mode = mq::JsonPayload::text, int qos = 0,
                 const mosquitto_property* properties = nullptr, bool pretty = false) {
  std::string out;
  mq::append_message_json(out, mq::Message{"t", payload, qos, false, 7, properties}, received, mode, pretty);
  return out;
}

std::string layout(const char* text, bool pretty = false) {
  std::string out;
  mq::append_cjson_layout(out, nlohmann::ordered_json::parse(text), pretty);
  return out;
}

}  // namespace

TEST_CASE("the keys are tst, topic, qos, retain, payloadlen, mid (QoS > 0) and payload") {
  CHECK(json("hello") ==
        "{" + tst + R"(,"topic":"t","qos":0,"retain":false,"payloadlen":5,"payload":"hello"})");
  CHECK(json("hi", mq::JsonPayload::text, 1) ==
        "{" + tst + R"(,"topic":"t","qos":1,"retain":false,"payloadlen":2,"mid":7,"payload":"hi"})");
}

TEST_CASE("an empty payload is null") {
  CHECK(json("") == "{" + tst + R"(,"topic":"t","qos":0,"retain":false,"payloadlen":0,"payload":null})");
  CHECK(json("", mq::JsonPayload::json).ends_with(R"("payload":null})"));
}

TEST_CASE("control characters, quotes and backslashes are escaped, UTF-8 is kept") {
  CHECK(json("a\"b\\c\n\t\x01\x1f").ends_with(R"("payload":"a\"b\\c\n\t\u0001\u001f"})"));
  CHECK(json(std::string_view{"a\0b", 3}).ends_with(R"("payload":"a\u0000b"})"));
  CHECK(json("\b\f\r\x7f")
            .ends_with(R"("payload":"\b\f\r)"
                       "\x7f\"}"));
  CHECK(json("caf\xc3\xa9 /").ends_with("\"payload\":\"caf\xc3\xa9 /\"}"));
}

TEST_CASE("a payload that is not UTF-8 is base64 with payload_encoding, so the JSON stays valid") {
  const std::string out = json(std::string_view{"\xff\xfe\x00\x01", 4});
  CHECK(out.ends_with(R"("payloadlen":4,"payload":"//4AAQ==","payload_encoding":"base64"})"));
  CHECK(nlohmann::json::accept(out));
  CHECK(json("\xc3", mq::JsonPayload::json).ends_with(R"("payload":"ww==","payload_encoding":"base64"})"));
}

TEST_CASE("%J embeds a JSON payload and falls back to the string form for anything else") {
  CHECK(json(R"({"temperature": 27.0, "humidity": 57})", mq::JsonPayload::json)
            .ends_with(R"("payload":{"temperature":27,"humidity":57}})"));
  CHECK(json(" [1, \"two\", null, true] ", mq::JsonPayload::json)
            .ends_with(R"("payload":[1,"two",null,true]})"));
  CHECK(json("not json", mq::JsonPayload::json).ends_with(R"("payload":"not json"})"));
  CHECK(json("{\"a\":1} trailing", mq::JsonPayload::json).ends_with(R"("payload":"{\"a\":1} trailing"})"));
}

TEST_CASE("numbers are printed as cJSON prints doubles") {
  CHECK(layout("[0, -0.0, 27.0, 1.5, 0.1, 0.30000000000000004, 3000000000, 1e21, 12345678901234567]") ==
        "[0,0,27,1.5,0.1,0.3,3000000000,1e+21,12345678901234568]");
  CHECK(layout("[2147483647, -2147483648, 123.456e-5]") == "[2147483647,-2147483648,0.00123456]");
}

TEST_CASE("pretty output indents with tabs and separates array items with ', ' as cJSON does") {
  CHECK(layout(R"({"a":1,"b":{"c":[1,2],"d":{}},"e":[]})", true) ==
        "{\n\t\"a\":\t1,\n\t\"b\":\t{\n\t\t\"c\":\t[1, 2],\n\t\t\"d\":\t{\n\t\t}\n\t},\n\t\"e\":\t[]\n}");
  CHECK(layout("[]", true) == "[]");
  CHECK(layout("{}") == "{}");
}

TEST_CASE("MQTT v5 properties are named as mosquitto names them, user properties in an array") {
  mq::Properties properties;
  properties.add_byte(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
  properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 60);
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  properties.add_string(MQTT_PROP_RESPONSE_TOPIC, "reply");
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, "abc");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "k", "v");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "k", "w");
  const std::string out = json("x", mq::JsonPayload::text, 1, properties.get());
  CHECK(out.find(R"("mid":7,"properties":{"payload-format-indicator":1,"message-expiry-interval":60,)"
                 R"("content-type":"text/plain","response-topic":"reply","correlation-data":"abc",)"
                 R"("user-properties":[{"k":"v"},{"k":"w"}]},"payload":"x"})") != std::string::npos);

  const std::string pretty = json("x", mq::JsonPayload::text, 0, properties.get(), true);
  CHECK(pretty.find("\t\"user-properties\":\t[{\n\t\t\t\t\"k\":\t\"v\"\n\t\t\t}, "
                    "{\n\t\t\t\t\"k\":\t\"w\"\n\t\t\t}]\n\t},") != std::string::npos);
}

TEST_CASE("binary correlation data that is not UTF-8 is base64 and flagged") {
  mq::Properties properties;
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, "\xff\x01");
  CHECK(json("x", mq::JsonPayload::text, 0, properties.get())
            .find(R"("properties":{"correlation-data":"/wE=","correlation-data-encoding":"base64"})") !=
        std::string::npos);
}

TEST_CASE("UTF-8 validation") {
  CHECK(mq::is_valid_utf8("plain ascii text, long enough for blocks"));
  CHECK(mq::is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK_FALSE(mq::is_valid_utf8("long ascii text then a bad byte \xff"));
  CHECK_FALSE(mq::is_valid_utf8("\xed\xa0\x80"));
}

TEST_CASE("%J shows a payload nested deeper than 256 levels as text, never recursing that deep") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const nlohmann::json object = nlohmann::json::parse(json(deep, mq::JsonPayload::json));
  CHECK(object["payload"] == deep);
  const std::string shallow = std::string(200, '[') + std::string(200, ']');
  CHECK(nlohmann::json::parse(json(shallow, mq::JsonPayload::json))["payload"].is_array());
}
