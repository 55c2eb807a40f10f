#pragma once

#include <cstddef>
#include <cstdint>

#include "mq/client_options.hpp"

struct mqtt5__property;
using mosquitto_property = struct mqtt5__property;

// The size of a PUBLISH packet on the wire, so that a message too large for MQTT or for the
// broker is refused before libmosquitto is asked to send it: libmosquitto keeps a QoS 1/2
// message it could not send in its queue, where it would wait for an acknowledgement forever.
namespace mq {

/// MQTT's limit on the bytes after a packet's fixed header (its "remaining length").
inline constexpr std::size_t mqtt_max_remaining_length = 268'435'455;

/// What decides the size of a PUBLISH packet.
struct PublishShape {
  std::size_t topic_bytes = 0;
  std::size_t payload_bytes = 0;
  int qos = 0;
  ProtocolVersion protocol = ProtocolVersion::v5;
  const mosquitto_property* properties = nullptr;  // sent with MQTT v5 only
};

/// The bytes after the fixed header: topic, packet id (QoS 1/2), properties (v5) and payload.
std::size_t publish_remaining_length(const PublishShape& shape);

/// The whole packet as the broker's maximum packet size counts it: the fixed header too.
std::size_t publish_packet_size(const PublishShape& shape);

/// The most payload a PUBLISH of this shape (its payload_bytes aside) can carry: MQTT's limit on
/// a packet, less everything else in it.
std::size_t max_payload(const PublishShape& shape);

/// The bytes a property list takes in a packet (without its own length prefix).
std::size_t property_list_bytes(const mosquitto_property* properties);

}  // namespace mq
