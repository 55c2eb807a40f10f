#include "mq/message_decoding.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include "mq/diagnostics.hpp"
#include "mq/properties.hpp"
#include "mq/text.hpp"

namespace mq {

std::optional<DecodedPayload> decode_message(PayloadDecoder& decoder, const Message& message) {
  const std::optional<ReadProperty> content_type = find_property(message.properties, MQTT_PROP_CONTENT_TYPE);
  std::string why;
  const JsonValue* value =
      decoder.decode(message.payload, content_type ? std::optional{content_type->bytes.view()} : std::nullopt,
                     message.topic, why);
  if (value != nullptr) return DecodedPayload{value, format_name(decoder.format())};
  if (!why.empty())
    diag::warning(fmt::format("the payload on '{}' was printed as it is: {}", printable(message.topic), why));
  return std::nullopt;
}

std::string undecodable_summary(const PayloadDecoder& decoder) {
  const long count = decoder.undecodable();
  if (count == 0) return {};
  return fmt::format("{} {} not decoded (--decode {}) and printed as {} arrived", count,
                     count == 1 ? "payload was" : "payloads were", decoder.choice_name(),
                     count == 1 ? "it" : "they");
}

}  // namespace mq
