#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include "mq/packet_size.hpp"
#include "mq/properties.hpp"

using namespace mq;

TEST_CASE("a PUBLISH packet: topic with its length, packet id from QoS 1, properties with v5") {
  CHECK(publish_remaining_length({1, 10, 0, ProtocolVersion::v311, nullptr}) == 13);
  CHECK(publish_packet_size({1, 10, 0, ProtocolVersion::v311, nullptr}) == 15);
  CHECK(publish_remaining_length({1, 10, 0, ProtocolVersion::v5, nullptr}) == 14);  // empty property list
  CHECK(publish_remaining_length({1, 10, 1, ProtocolVersion::v5, nullptr}) == 16);
  CHECK(publish_remaining_length({1, 10, 2, ProtocolVersion::v311, nullptr}) == 15);
}

TEST_CASE("the fixed header grows with the remaining length: 1 byte, then 2 from 128, 4 near MQTT's limit") {
  CHECK(publish_packet_size({1, 124, 0, ProtocolVersion::v311, nullptr}) == 127 + 2);
  CHECK(publish_packet_size({1, 125, 0, ProtocolVersion::v311, nullptr}) == 128 + 3);
  CHECK(publish_packet_size({1, mqtt_max_remaining_length - 3, 0, ProtocolVersion::v311, nullptr}) ==
        mqtt_max_remaining_length + 5);
}

TEST_CASE("properties count as MQTT encodes them, and only with v5") {
  Properties properties;
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text");           // 1 + 2 + 4
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "k", "vv");  // 1 + 2 + 1 + 2 + 2
  properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 60);     // 1 + 4
  properties.add_byte(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);      // 1 + 1
  CHECK(property_list_bytes(properties.get()) == 7 + 8 + 5 + 2);
  CHECK(publish_remaining_length({1, 0, 0, ProtocolVersion::v5, properties.get()}) == 3 + 1 + 22);
  CHECK(publish_remaining_length({1, 0, 0, ProtocolVersion::v311, properties.get()}) == 3);
}
