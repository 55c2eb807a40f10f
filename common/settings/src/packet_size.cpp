#include "mq/packet_size.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <cstring>

namespace mq {
namespace {

// MQTT's variable byte integer: 7 bits a byte.
std::size_t varint_bytes(std::size_t value) {
  std::size_t bytes = 1;
  for (; value >= 128; value >>= 7)
    ++bytes;
  return bytes;
}

int property_type(int identifier) {
  int found = 0;
  int type = 0;
  const char* name = mosquitto_property_identifier_to_string(identifier);
  if (name == nullptr || mosquitto_string_to_property_info(name, &found, &type) != MOSQ_ERR_SUCCESS) return 0;
  return type;
}

// The value of one property (`property` itself is read: the readers start at the list given).
std::size_t value_bytes(const mosquitto_property* property, int identifier) {
  switch (property_type(identifier)) {
  case MQTT_PROP_TYPE_BYTE:
    return 1;
  case MQTT_PROP_TYPE_INT16:
    return 2;
  case MQTT_PROP_TYPE_INT32:
    return 4;
  case MQTT_PROP_TYPE_VARINT: {
    std::uint32_t value = 0;
    mosquitto_property_read_varint(property, identifier, &value, false);
    return varint_bytes(value);
  }
  case MQTT_PROP_TYPE_BINARY: {
    void* value = nullptr;
    std::uint16_t length = 0;
    mosquitto_property_read_binary(property, identifier, &value, &length, false);
    std::free(value);
    return 2 + std::size_t{length};
  }
  case MQTT_PROP_TYPE_STRING: {
    char* value = nullptr;
    mosquitto_property_read_string(property, identifier, &value, false);
    const std::size_t length = value != nullptr ? std::strlen(value) : 0;
    std::free(value);
    return 2 + length;
  }
  case MQTT_PROP_TYPE_STRING_PAIR: {
    char* name = nullptr;
    char* value = nullptr;
    mosquitto_property_read_string_pair(property, identifier, &name, &value, false);
    const std::size_t length =
        (name != nullptr ? std::strlen(name) : 0) + (value != nullptr ? std::strlen(value) : 0);
    std::free(name);
    std::free(value);
    return 4 + length;
  }
  default:
    return 0;
  }
}

}  // namespace

std::size_t property_list_bytes(const mosquitto_property* properties) {
  std::size_t total = 0;
  for (const mosquitto_property* property = properties; property != nullptr;
       property = mosquitto_property_next(property)) {
    const int identifier = mosquitto_property_identifier(property);
    total += varint_bytes(static_cast<std::size_t>(identifier)) + value_bytes(property, identifier);
  }
  return total;
}

std::size_t publish_remaining_length(const PublishShape& shape) {
  std::size_t length = 2 + shape.topic_bytes + shape.payload_bytes;
  if (shape.qos > 0) length += 2;
  if (shape.protocol == ProtocolVersion::v5) {
    const std::size_t properties = property_list_bytes(shape.properties);
    length += varint_bytes(properties) + properties;
  }
  return length;
}

std::size_t publish_packet_size(const PublishShape& shape) {
  const std::size_t remaining = publish_remaining_length(shape);
  return 1 + varint_bytes(remaining) + remaining;
}

}  // namespace mq
