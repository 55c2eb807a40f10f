// Reading MQTT v5 property lists: every type, in order, with libmosquitto's names.
#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include <optional>
#include <string>
#include <vector>

#include "mq/error.hpp"
#include "mq/properties.hpp"

using namespace mq;

TEST_CASE("an empty list reads as no properties") {
  CHECK(read_properties(nullptr).empty());
  CHECK(read_properties(nullptr, MQTT_PROP_USER_PROPERTY).empty());
  CHECK_FALSE(find_property(nullptr, MQTT_PROP_CONTENT_TYPE).has_value());
}

TEST_CASE("every property type reads with its identifier, libmosquitto's name and its value, in order") {
  struct Expected {
    int identifier;
    std::string_view name;
    PropertyType type;
    std::uint32_t number;
    std::string_view bytes, pair_name;
  };
  const Expected expected[] = {
      {MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, "payload-format-indicator", PropertyType::byte, 1, "", ""},
      {MQTT_PROP_TOPIC_ALIAS, "topic-alias", PropertyType::int16, 65535, "", ""},
      {MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, "message-expiry-interval", PropertyType::int32, 4294967295u, "",
       ""},
      {MQTT_PROP_SUBSCRIPTION_IDENTIFIER, "subscription-identifier", PropertyType::varint, 268435455, "", ""},
      {MQTT_PROP_CORRELATION_DATA, "correlation-data", PropertyType::binary, 0, {"\0id\0\xff", 5}, ""},
      {MQTT_PROP_CONTENT_TYPE, "content-type", PropertyType::string, 0, "text/plain", ""},
      {MQTT_PROP_USER_PROPERTY, "user-property", PropertyType::string_pair, 0, "red", "colour"}};
  Properties properties;
  properties.add_byte(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
  properties.add_int16(MQTT_PROP_TOPIC_ALIAS, 65535);
  properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 4294967295u);
  properties.add_varint(MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 268435455);
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, std::string_view{"\0id\0\xff", 5});
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "colour", "red");
  const std::vector<ReadProperty> all = read_properties(properties.get());
  REQUIRE(all.size() == std::size(expected));
  for (std::size_t i = 0; i < all.size(); ++i) {
    CAPTURE(expected[i].name);
    CHECK(all[i].identifier == expected[i].identifier);
    CHECK(all[i].name == expected[i].name);
    CHECK(all[i].type == expected[i].type);
    CHECK(all[i].number == expected[i].number);
    CHECK(all[i].bytes.view() == expected[i].bytes);
    CHECK(all[i].pair_name.view() == expected[i].pair_name);
  }
}

TEST_CASE("empty strings and empty binary data read as empty") {
  Properties properties;
  properties.add_string(MQTT_PROP_RESPONSE_TOPIC, "");
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, "");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "", "");
  const std::vector<ReadProperty> all = read_properties(properties.get());
  REQUIRE(all.size() == 3);
  CHECK(all[0].bytes.view().empty());
  CHECK(all[1].bytes.view().empty());
  CHECK(all[2].pair_name.view().empty());
  CHECK(all[2].bytes.view().empty());
}

TEST_CASE("user properties keep their order and repeats, and can be read alone") {
  Properties properties;
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "a", "1");
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "x");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "a", "2");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "b", "3");
  const std::vector<ReadProperty> pairs = read_properties(properties.get(), MQTT_PROP_USER_PROPERTY);
  REQUIRE(pairs.size() == 3);
  std::vector<std::string> texts;
  for (const ReadProperty& pair : pairs)
    texts.push_back(std::string{pair.pair_name.view()} + "=" + std::string{pair.bytes.view()});
  CHECK(texts == std::vector<std::string>{"a=1", "a=2", "b=3"});
  CHECK(read_properties(properties.get(), MQTT_PROP_TOPIC_ALIAS).empty());
}

TEST_CASE("find_property gives the first property with the identifier, or nothing") {
  Properties properties;
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "first", "1");
  properties.add_int16(MQTT_PROP_TOPIC_ALIAS, 7);
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "second", "2");
  const auto alias = find_property(properties.get(), MQTT_PROP_TOPIC_ALIAS);
  REQUIRE(alias.has_value());
  CHECK(alias->number == 7u);
  const auto pair = find_property(properties.get(), MQTT_PROP_USER_PROPERTY);
  REQUIRE(pair.has_value());
  CHECK(pair->pair_name.view() == "first");
  CHECK_FALSE(find_property(properties.get(), MQTT_PROP_CONTENT_TYPE).has_value());
}

TEST_CASE("a read value outlives the list it was read from, and survives a move") {
  std::optional<ReadProperty> kept;
  {
    Properties properties;
    properties.add_binary(MQTT_PROP_CORRELATION_DATA, std::string_view{"a\0b", 3});
    kept = find_property(properties.get(), MQTT_PROP_CORRELATION_DATA);
  }
  REQUIRE(kept.has_value());
  const ReadProperty moved = std::move(*kept);
  CHECK(moved.bytes.view() == std::string_view{"a\0b", 3});
}

TEST_CASE("a list copied or moved onto itself keeps its properties, and a copy is its own") {
  Properties properties;
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  Properties& same = properties;
  properties = same;
  properties = std::move(same);
  REQUIRE(read_properties(properties.get()).size() == 1);

  Properties copy{properties};
  copy.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 5);
  CHECK(read_properties(properties.get()).size() == 1);
  CHECK(read_properties(copy.get()).size() == 2);
  const Properties empty;
  const Properties empty_copy{empty};
  CHECK(empty_copy.get() == nullptr);
}

TEST_CASE("a value longer than MQTT's 65,535 bytes is a usage error naming the property") {
  Properties properties;
  const std::string long_value(70000, 'x');
  CHECK_THROWS_WITH_AS(properties.add_binary(MQTT_PROP_CORRELATION_DATA, long_value),
                       doctest::Contains("property correlation-data cannot take this value"), mq::Error);
  CHECK_THROWS_WITH_AS(properties.add_string(MQTT_PROP_CONTENT_TYPE, long_value),
                       doctest::Contains("property content-type cannot take this value"), mq::Error);
}

TEST_CASE("a copy keeps every property of the list, in order (libmosquitto 2.0.11 copies only the first)") {
  Properties properties;
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, "c-42");
  properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 3600);
  properties.add_byte(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "k", "v");
  const Properties copy{properties};
  const auto read = read_properties(copy.get());
  REQUIRE(read.size() == 5);
  CHECK(read[0].bytes.view() == "text/plain");
  CHECK(read[1].bytes.view() == "c-42");
  CHECK(read[2].number == 3600);
  CHECK(read[3].number == 1);
  CHECK(read[4].pair_name.view() == "k");
  CHECK(read[4].bytes.view() == "v");
}
