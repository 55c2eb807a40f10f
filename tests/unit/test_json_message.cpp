#include <doctest/doctest.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "json_message.hpp"
#include "mq/error.hpp"

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
  char* text = nullptr;
  REQUIRE(mosquitto_property_read_string(message.properties->get(), MQTT_PROP_CONTENT_TYPE, &text, false));
  CHECK(std::string{text} == "application/octet-stream");
  free(text);
  uint32_t expiry = 0;
  REQUIRE(mosquitto_property_read_int32(message.properties->get(), MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &expiry,
                                        false));
  CHECK(expiry == 60);
}

TEST_CASE("user properties as an array of pairs keep their order and repeats") {
  const auto message =
      mq::parse_json_message(R"({"payload": "", "properties": {"user-property": [["a", "1"], ["a", "2"]]}})");
  REQUIRE(message.properties.has_value());
  char* name = nullptr;
  char* value = nullptr;
  const mosquitto_property* next = mosquitto_property_read_string_pair(
      message.properties->get(), MQTT_PROP_USER_PROPERTY, &name, &value, false);
  CHECK(std::string{value} == "1");
  free(name);
  free(value);
  mosquitto_property_read_string_pair(mosquitto_property_next(next), MQTT_PROP_USER_PROPERTY, &name, &value,
                                      false);
  CHECK(std::string{value} == "2");
  free(name);
  free(value);
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
