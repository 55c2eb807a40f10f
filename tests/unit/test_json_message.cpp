#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include "json_message.hpp"
#include "mq/error.hpp"
#include "mq/properties.hpp"

namespace {

std::string rejection(std::string_view text) {
  try {
    mq::parse_json_message(text);
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("only the payload is required") {
  const auto message = mq::parse_json_message(R"({"payload": "hello"})");
  CHECK(message.payload == "hello");
  CHECK_FALSE(message.topic.has_value());
  CHECK_FALSE(message.qos.has_value());
  CHECK_FALSE(message.retain.has_value());
  CHECK_FALSE(message.properties.has_value());
}

TEST_CASE("every field") {
  const auto message = mq::parse_json_message(
      R"({"topic": "a/b", "payload_base64": "AP8=", "qos": 2, "retain": true,
          "properties": {"content-type": "application/octet-stream", "message-expiry-interval": 60,
                         "user-property": {"k": "v"}}})");
  CHECK(message.topic == "a/b");
  CHECK(message.payload == std::string("\x00\xff", 2));
  CHECK(message.qos == 2);
  CHECK(message.retain == true);
  REQUIRE(message.properties.has_value());
  const auto content_type = mq::find_property(message.properties->get(), MQTT_PROP_CONTENT_TYPE);
  REQUIRE(content_type.has_value());
  CHECK(content_type->bytes.view() == "application/octet-stream");
  const auto expiry = mq::find_property(message.properties->get(), MQTT_PROP_MESSAGE_EXPIRY_INTERVAL);
  REQUIRE(expiry.has_value());
  CHECK(expiry->number == 60u);
}

TEST_CASE("user properties as an array of pairs keep their order and repeats") {
  const auto message =
      mq::parse_json_message(R"({"payload": "", "properties": {"user-property": [["a", "1"], ["a", "2"]]}})");
  REQUIRE(message.properties.has_value());
  const auto pairs = mq::read_properties(message.properties->get(), MQTT_PROP_USER_PROPERTY);
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].pair_name.view() == "a");
  CHECK(pairs[0].bytes.view() == "1");
  CHECK(pairs[1].pair_name.view() == "a");
  CHECK(pairs[1].bytes.view() == "2");
}

TEST_CASE("malformed messages say which field is wrong") {
  CHECK(rejection("not json").find("not valid JSON") != std::string::npos);
  CHECK(rejection("[1]").find("not a JSON object") != std::string::npos);
  CHECK(rejection("{}").find("exactly one of") != std::string::npos);
  CHECK(rejection(R"({"payload": "a", "payload_base64": "YQ=="})").find("exactly one of") !=
        std::string::npos);
  CHECK(rejection(R"({"payload": 5})").find("\"payload\" must be a string") != std::string::npos);
  CHECK(rejection(R"({"payload_base64": "!!"})").find("not valid base64") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "qos": 3})").find("\"qos\"") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "retain": 1})").find("\"retain\"") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "topic": 1})").find("\"topic\"") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "extra": 1})").find("unknown field \"extra\"") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "properties": {"no-such": "x"}})").find("no-such") != std::string::npos);
  CHECK(rejection(R"({"payload": "", "properties": {"message-expiry-interval": -1}})")
            .find("message-expiry-interval") != std::string::npos);
  CHECK(
      rejection(R"({"payload": "", "properties": {"session-expiry-interval": 1}})").find("cannot be sent") !=
      std::string::npos);
}
