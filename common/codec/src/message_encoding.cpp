#include "mq/message_encoding.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include "mq/error.hpp"

namespace mq {

WholeMessage read_encoded_message(const WholeMessageOptions& options, std::optional<PayloadFormat> encode,
                                  std::size_t limit, std::string_view topic) {
  if (encode && options.null_message)
    throw usage_error("--encode converts a JSON message, and -n publishes an empty one",
                      "give the JSON with -m, -f or -s, or drop --encode");
  WholeMessage whole = read_whole_message(options, limit, topic);
  if (!encode) return whole;
  EncodeResult encoded = encode_json_text(*encode, whole.payload);
  if (!encoded.bytes)
    throw usage_error(
        fmt::format("{} cannot be published as {}: {}", whole.name, format_name(*encode), encoded.error),
        encode_fix(*encode));
  whole.payload = std::move(*encoded.bytes);
  if (whole.payload.size() > limit)
    throw payload_too_large(whole.name, std::to_string(whole.payload.size()), limit, topic);
  return whole;
}

std::string encode_fix(PayloadFormat format) {
  switch (format) {
  case PayloadFormat::bson:
    return "give one JSON object: BSON holds a document at the top";
  case PayloadFormat::sparkplug:
    return "give a Sparkplug B payload as mqsub --decode sparkplug --json prints it: {\"timestamp\": ..., "
           "\"metrics\": [{\"name\": ..., \"datatype\": \"Double\", \"value\": ...}], \"seq\": ...} "
           "(mqpub(1))";
  default:
    return "give one JSON value, e.g. {\"temperature\": 21.5}";
  }
}

void add_content_type(Properties& properties, PayloadFormat format) {
  if (!find_property(properties.get(), MQTT_PROP_CONTENT_TYPE))
    properties.add_string(MQTT_PROP_CONTENT_TYPE, content_type_of(format));
}

}  // namespace mq
