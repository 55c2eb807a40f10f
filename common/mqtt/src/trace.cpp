#include "mq/trace.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "mq/diagnostics.hpp"
#include "mq/text.hpp"

namespace mq::trace {
namespace {

constexpr std::size_t binary_shown = 32;  // bytes of a binary property printed in hex

// Frees what libmosquitto's property readers allocate.
struct Freed {
  void* pointer = nullptr;
  ~Freed() { std::free(pointer); }
};

std::string hex_text(const unsigned char* bytes, std::size_t length) {
  std::string text;
  for (std::size_t i = 0; i < length && i < binary_shown; ++i)
    text += fmt::format("{:02x}", bytes[i]);
  if (length > binary_shown) text += fmt::format("... ({} bytes)", length);
  return text;
}

std::string property_value(const mosquitto_property* property, int identifier, int type) {
  switch (type) {
  case MQTT_PROP_TYPE_BYTE: {
    std::uint8_t value = 0;
    mosquitto_property_read_byte(property, identifier, &value, false);
    return std::to_string(value);
  }
  case MQTT_PROP_TYPE_INT16: {
    std::uint16_t value = 0;
    mosquitto_property_read_int16(property, identifier, &value, false);
    return std::to_string(value);
  }
  case MQTT_PROP_TYPE_INT32: {
    std::uint32_t value = 0;
    mosquitto_property_read_int32(property, identifier, &value, false);
    return std::to_string(value);
  }
  case MQTT_PROP_TYPE_VARINT: {
    std::uint32_t value = 0;
    mosquitto_property_read_varint(property, identifier, &value, false);
    return std::to_string(value);
  }
  case MQTT_PROP_TYPE_BINARY: {
    Freed value;
    std::uint16_t length = 0;
    mosquitto_property_read_binary(property, identifier, &value.pointer, &length, false);
    return hex_text(static_cast<const unsigned char*>(value.pointer), length);
  }
  case MQTT_PROP_TYPE_STRING: {
    char* text = nullptr;
    mosquitto_property_read_string(property, identifier, &text, false);
    const Freed owned{text};
    return fmt::format("'{}'", printable(text ? text : ""));
  }
  case MQTT_PROP_TYPE_STRING_PAIR: {
    char* name = nullptr;
    char* text = nullptr;
    mosquitto_property_read_string_pair(property, identifier, &name, &text, false);
    const Freed owned_name{name}, owned_text{text};
    return fmt::format("'{}'='{}'", printable(name ? name : ""), printable(text ? text : ""));
  }
  default:
    return "?";
  }
}

std::string property_text(const mosquitto_property* property) {
  const int identifier = mosquitto_property_identifier(property);
  const char* name = mosquitto_property_identifier_to_string(identifier);
  int known_identifier = 0, type = 0;
  if (name == nullptr ||
      mosquitto_string_to_property_info(name, &known_identifier, &type) != MOSQ_ERR_SUCCESS)
    return fmt::format("property {}", identifier);
  if (type == MQTT_PROP_TYPE_STRING_PAIR)
    return fmt::format("{} {}", name, property_value(property, identifier, type));
  return fmt::format("{}={}", name, property_value(property, identifier, type));
}

std::string qos_or_refusal(int code) {
  if (code < 0x80) return fmt::format("granted QoS {}", code);
  return fmt::format("refused: {}", reason_text(code, ProtocolVersion::v5));
}

}  // namespace

std::string properties_text(const mosquitto_property* properties) {
  std::vector<std::string> parts;
  for (const mosquitto_property* property = properties; property;
       property = mosquitto_property_next(property))
    parts.push_back(property_text(property));
  return parts.empty() ? std::string{"none"} : fmt::format("{}", fmt::join(parts, ", "));
}

void connect_sent(const ConnectAttempt& attempt, const ClientOptions& options, std::string_view client_id,
                  const mosquitto_property* properties) {
  if (!diag::debugging()) return;
  const ConnectionOptions& connection = options.connection;
  std::string text = fmt::format(
      "CONNECT: {}, client id {}, {}, keepalive {} s", protocol_name(attempt.protocol),
      client_id.empty() ? std::string{"chosen by the broker"} : fmt::format("'{}'", printable(client_id)),
      connection.clean_session ? "clean start" : "resume the session", connection.keepalive);
  if (options.auth.username)
    text += fmt::format(", username '{}' {}", printable(*options.auth.username),
                        options.auth.password ? "with a password" : "without a password");
  if (options.will.topic)
    text += fmt::format(", will to '{}' (QoS {}{})", printable(*options.will.topic), options.will.qos,
                        options.will.retain ? ", retained" : "");
  if (properties) text += fmt::format(", properties: {}", properties_text(properties));
  diag::debug_line(text);
}

void connack_received(int reason_code, int flags, const mosquitto_property* properties,
                      ProtocolVersion protocol) {
  if (!diag::debugging()) return;
  diag::debug("CONNACK: {} ({}), session present: {}{}", reason_code == 0 ? "accepted" : "refused",
              reason_text(reason_code, protocol), (flags & 1) ? "yes" : "no",
              protocol == ProtocolVersion::v5 ? fmt::format(", properties: {}", properties_text(properties))
                                              : "");
}

void suback_received(int mid, std::span<const int> granted, const mosquitto_property* properties) {
  if (!diag::debugging()) return;
  std::vector<std::string> results;
  for (std::size_t i = 0; i < granted.size(); ++i)
    results.push_back(fmt::format("[{}] {}", i, qos_or_refusal(granted[i])));
  diag::debug("SUBACK (mid {}): {}{}", mid, fmt::join(results, ", "),
              properties ? fmt::format(", properties: {}", properties_text(properties)) : "");
}

void publish_done(int mid, int reason_code, const mosquitto_property* properties, ProtocolVersion protocol) {
  if (!diag::debugging()) return;
  diag::debug("publish (mid {}) finished: {}{}", mid,
              reason_code == 0     ? std::string{"accepted"}
              : reason_code < 0x80 ? fmt::format("accepted ({})", reason_text(reason_code, protocol))
                                   : fmt::format("refused: {}", reason_text(reason_code, protocol)),
              properties ? fmt::format(", properties: {}", properties_text(properties)) : "");
}

void message_properties(int mid, const mosquitto_property* properties) {
  if (!diag::debugging() || properties == nullptr) return;
  diag::debug("PUBLISH (mid {}) properties: {}", mid, properties_text(properties));
}

void connection_ended(int rc, int error_number, const mosquitto_property* properties) {
  if (!diag::debugging()) return;
  if (rc >= 0x80)
    diag::debug("DISCONNECT from the broker: {}, properties: {}", reason_text(rc, ProtocolVersion::v5),
                properties_text(properties));
  else if (rc == MOSQ_ERR_SUCCESS)
    diag::debug("disconnected");
  else
    diag::debug("connection ended: {}{}", mosquitto_strerror(rc),
                rc == MOSQ_ERR_ERRNO && error_number != 0 ? fmt::format(" ({})", std::strerror(error_number))
                                                          : "");
}

void reconnect(const Endpoint& endpoint, int attempt, int max_attempts, std::chrono::milliseconds delay,
               std::string_view why) {
  if (!diag::debugging()) return;
  diag::debug("reconnecting to {} in {} ms (attempt {}{}): {}", endpoint.text(), delay.count(), attempt,
              max_attempts > 0 ? fmt::format(" of {}", max_attempts) : "", why);
}

}  // namespace mq::trace
