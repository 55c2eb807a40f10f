// Feeds arbitrary -F formats and messages to the format parser and renderer. Properties: a
// format is accepted or refused with a usage Error, and an accepted one renders without
// throwing, whatever the message; in JSON mode (--json, or a format of %j or %J alone) the
// output is valid JSON, whatever the topic, payload and properties.
#include <mqtt_protocol.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/error.hpp"
#include "mq/format.hpp"
#include "mq/json_output.hpp"
#include "mq/properties.hpp"

namespace {

// MQTT v5 properties of every kind the renderer reads, some of them made of the payload.
mq::Properties properties_for(unsigned char choice, std::string_view payload) {
  mq::Properties properties;
  if (choice & 4) {
    properties.add_string(MQTT_PROP_CONTENT_TYPE, "application/json");
    properties.add_binary(MQTT_PROP_CORRELATION_DATA, payload.substr(0, 16));
    properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "key", "value");
    properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, choice);
  }
  return properties;
}

void check_json_modes(const mq::Message& message, const timespec& when, bool pretty) {
  std::string json;
  mq::append_message_json(json, message, when, mq::JsonPayload::text, pretty);  // --json
  fuzz::check(nlohmann::json::accept(json));
  for (const char* format : {"%j", "%J"}) {
    std::string out;
    mq::OutputFormat{format, pretty}.render(message, when, out);
    fuzz::check(nlohmann::json::accept(out));
  }
}

void check_format(std::string_view format, bool pretty, const mq::Message& message, const timespec& when) {
  std::optional<mq::OutputFormat> parsed;
  if (!fuzz::accepted_or_refused_with(mq::Exit::usage, [&] { parsed.emplace(format, pretty); })) return;
  std::string out, problem;
  try {
    parsed->render(message, when, out, &problem);
  } catch (...) {
    __builtin_trap();  // only parsing may refuse a format
  }
}

}  // namespace

// Input: FORMAT '\n' TOPIC '\n' PAYLOAD; the first byte of the payload also picks QoS,
// retain, --pretty and whether MQTT v5 properties come with it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  const std::string_view format = fuzz::take_field(input);
  const std::string_view topic = fuzz::take_field(input);
  const std::string_view payload = input;
  const unsigned char choice = payload.empty() ? 0 : static_cast<unsigned char>(payload[0]);
  const bool pretty = (choice & 64) != 0;

  const mq::Properties properties = properties_for(choice, payload);
  const mq::Message message{topic, payload, choice & 3 ? 1 : 0, (choice & 8) != 0, 1, properties.get()};
  const timespec when{static_cast<std::time_t>(choice) * 1000003, choice * 999};
  check_json_modes(message, when, pretty);
  check_format(format, pretty, message, when);
  return 0;
}
