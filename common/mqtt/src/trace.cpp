#include "mq/trace.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstring>
#include <vector>

#include "mq/diagnostics.hpp"
#include "mq/properties.hpp"
#include "mq/text.hpp"

namespace mq::trace {
namespace {

constexpr std::size_t binary_shown = 32;  // bytes of a binary property printed in hex

std::string hex_text(std::string_view bytes) {
  std::string text = hex(bytes.substr(0, binary_shown));
  if (bytes.size() > binary_shown) text += fmt::format("... ({} bytes)", bytes.size());
  return text;
}

std::string property_value(const ReadProperty& property) {
  switch (property.type) {
  case PropertyType::binary:
    return hex_text(property.bytes.view());
  case PropertyType::string:
    return fmt::format("'{}'", printable(property.bytes.view()));
  case PropertyType::string_pair:
    return fmt::format("'{}'='{}'", printable(property.pair_name.view()), printable(property.bytes.view()));
  default:
    return std::to_string(property.number);
  }
}

std::string property_text(const ReadProperty& property) {
  if (property.type == PropertyType::unknown) return fmt::format("property {}", property.identifier);
  if (property.type == PropertyType::string_pair)
    return fmt::format("{} {}", property.name, property_value(property));
  return fmt::format("{}={}", property.name, property_value(property));
}

std::string qos_or_refusal(int code) {
  if (code < 0x80) return fmt::format("granted QoS {}", code);
  return fmt::format("refused: {}", reason_text(code, ProtocolVersion::v5));
}

}  // namespace

std::string properties_text(const mosquitto_property* properties) {
  std::vector<std::string> parts;
  for (const ReadProperty& property : read_properties(properties))
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
