#include "mq/packet_size.hpp"

#include "mq/properties.hpp"

namespace mq {
namespace {

// MQTT's variable byte integer: 7 bits a byte.
std::size_t varint_bytes(std::size_t value) {
  std::size_t bytes = 1;
  for (; value >= 128; value >>= 7)
    ++bytes;
  return bytes;
}

// The bytes of one property's value as MQTT encodes it.
std::size_t value_bytes(const ReadProperty& property) {
  switch (property.type) {
  case PropertyType::byte:
    return 1;
  case PropertyType::int16:
    return 2;
  case PropertyType::int32:
    return 4;
  case PropertyType::varint:
    return varint_bytes(property.number);
  case PropertyType::binary:
  case PropertyType::string:
    return 2 + property.bytes.view().size();
  case PropertyType::string_pair:
    return 4 + property.pair_name.view().size() + property.bytes.view().size();
  default:
    return 0;
  }
}

}  // namespace

std::size_t property_list_bytes(const mosquitto_property* properties) {
  std::size_t total = 0;
  for (const ReadProperty& property : read_properties(properties))
    total += varint_bytes(static_cast<std::size_t>(property.identifier)) + value_bytes(property);
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

std::size_t max_payload(const PublishShape& shape) {
  PublishShape empty = shape;
  empty.payload_bytes = 0;
  const std::size_t overhead = publish_remaining_length(empty);
  return overhead >= mqtt_max_remaining_length ? 0 : mqtt_max_remaining_length - overhead;
}

}  // namespace mq
