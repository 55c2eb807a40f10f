// Feeds arbitrary -F formats and messages to the format parser and renderer: a format is
// accepted or refused with a usage Error, and rendering never fails, whatever the payload.
#include <mqtt_protocol.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mq/error.hpp"
#include "mq/format.hpp"
#include "mq/json_output.hpp"
#include "mq/properties.hpp"

// Input: FORMAT '\n' TOPIC '\n' PAYLOAD; the first byte of the payload also picks QoS,
// retain and whether MQTT v5 properties come with it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  const std::size_t format_end = input.find('\n');
  const std::string_view format = input.substr(0, format_end);
  const std::string_view rest = format_end == std::string_view::npos ? "" : input.substr(format_end + 1);
  const std::size_t topic_end = rest.find('\n');
  const std::string_view topic = rest.substr(0, topic_end);
  const std::string_view payload = topic_end == std::string_view::npos ? "" : rest.substr(topic_end + 1);
  const unsigned char choice = payload.empty() ? 0 : static_cast<unsigned char>(payload[0]);

  mq::Properties properties;
  if (choice & 4) {
    properties.add_string(MQTT_PROP_CONTENT_TYPE, "application/json");
    properties.add_binary(MQTT_PROP_CORRELATION_DATA, payload.substr(0, 16));
    properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "key", "value");
    properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, choice);
  }
  const mq::Message message{topic, payload, choice & 3 ? 1 : 0, (choice & 8) != 0, 1, properties.get()};
  const timespec when{static_cast<std::time_t>(choice) * 1000003, choice * 999};

  std::string out, problem;
  mq::append_message_json(out, message, when, choice & 16 ? mq::JsonPayload::json : mq::JsonPayload::text,
                          (choice & 32) != 0);
  try {
    const mq::OutputFormat parsed{format, (choice & 64) != 0};
    parsed.render(message, when, out, &problem);
  } catch (const mq::Error& error) {
    if (error.code() != mq::Exit::usage) __builtin_trap();
  }
  return 0;
}
