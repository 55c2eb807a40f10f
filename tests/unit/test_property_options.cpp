#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include "mq/error.hpp"
#include "mq/properties.hpp"
#include "mq/property_options.hpp"

namespace {

struct Targets {
  mq::Properties connect, publish, disconnect, will;
  bool v5 = false;
  mq::PropertyTargets pointers() { return {&connect, &publish, nullptr, nullptr, &disconnect, &will, &v5}; }
};

std::string rejection(const std::vector<std::string>& words) {
  Targets targets;
  try {
    mq::parse_property_words(words, targets.pointers());
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("-D words go to the packet they name, and imply MQTT v5") {
  Targets targets;
  mq::parse_property_words({"publish", "content-type", "text/plain", "connect", "receive-maximum", "10",
                            "publish", "user-property", "key", "value", "will", "will-delay-interval", "30"},
                           targets.pointers());
  CHECK(targets.v5);
  const auto content_type = mq::find_property(targets.publish.get(), MQTT_PROP_CONTENT_TYPE);
  REQUIRE(content_type.has_value());
  CHECK(content_type->bytes.view() == "text/plain");
  const auto maximum = mq::find_property(targets.connect.get(), MQTT_PROP_RECEIVE_MAXIMUM);
  REQUIRE(maximum.has_value());
  CHECK(maximum->number == 10u);
  const auto delay = mq::find_property(targets.will.get(), MQTT_PROP_WILL_DELAY_INTERVAL);
  REQUIRE(delay.has_value());
  CHECK(delay->number == 30u);
  CHECK(targets.disconnect.empty());
}

TEST_CASE("every property mosquitto_pub allows is accepted where it belongs") {
  const std::vector<std::vector<std::string>> accepted{
      {"publish", "content-type", "a"},
      {"publish", "correlation-data", "abc"},
      {"publish", "message-expiry-interval", "4294967295"},
      {"publish", "payload-format-indicator", "1"},
      {"publish", "response-topic", "r/t"},
      {"publish", "topic-alias", "1"},
      {"publish", "user-property", "k", "v"},
      {"connect", "receive-maximum", "65535"},
      {"connect", "maximum-packet-size", "1000"},
      {"connect", "session-expiry-interval", "60"},
      {"connect", "topic-alias-maximum", "10"},
      {"connect", "request-problem-information", "0"},
      {"connect", "request-response-information", "1"},
      {"connect", "authentication-method", "m"},
      {"connect", "authentication-data", "d"},
      {"connect", "user-property", "k", "v"},
      {"will", "will-delay-interval", "5"},
      {"will", "content-type", "t"},
      {"disconnect", "session-expiry-interval", "0"},
      {"disconnect", "user-property", "k", "v"},
  };
  for (const auto& words : accepted) {
    CAPTURE(words);
    CHECK(rejection(words) == "accepted");
  }
}

TEST_CASE("wrong commands, names, values and ranges name the property") {
  CHECK(rejection({"publsh", "content-type", "a"}).find("'publsh' is not an MQTT command") !=
        std::string::npos);
  CHECK(rejection({"subscribe", "user-property", "k", "v"}).find("sends no subscribe") != std::string::npos);
  CHECK(rejection({"publish", "no-such-thing", "a"}).find("no-such-thing: no such MQTT v5 property") !=
        std::string::npos);
  CHECK(rejection({"publish", "session-expiry-interval", "1"}).find("cannot be sent") != std::string::npos);
  CHECK(rejection({"connect", "receive-maximum", "65536"}).find("receive-maximum") != std::string::npos);
  CHECK(rejection({"connect", "receive-maximum", "0"}).find("receive-maximum") != std::string::npos);
  CHECK(rejection({"publish", "message-expiry-interval", "ten"})
            .find("message-expiry-interval: 'ten' is not a whole number") != std::string::npos);
  CHECK(rejection({"publish", "payload-format-indicator", "2"}).find("payload-format-indicator") !=
        std::string::npos);
  CHECK(rejection({"publish", "subscription-identifier", "1"}).find("cannot be sent") != std::string::npos);
  CHECK(rejection({"publish", "content-type"}).find("needs a command, a property name and a value") !=
        std::string::npos);
  CHECK(rejection({"publish", "user-property", "k"}).find("needs a key and a value") != std::string::npos);
}
