#include "json_message.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "mq/base64.hpp"
#include "mq/error.hpp"
#include "mq/property_options.hpp"

namespace mq {
namespace {

using Json = nlohmann::ordered_json;  // a payload to --encode keeps its order of keys

[[noreturn]] void reject(std::string why) { throw usage_error(std::move(why)); }

std::string payload_of(const Json& object, bool payload_as_json) {
  const bool text = object.contains("payload");
  const bool binary = object.contains("payload_base64");
  if (payload_as_json) {
    if (binary)
      reject("with --encode, give the JSON value to convert as \"payload\", not \"payload_base64\"");
    if (!text) reject("give the JSON value to convert as \"payload\"");
    return object["payload"].dump();
  }
  if (text == binary) reject("give exactly one of \"payload\" and \"payload_base64\"");
  if (text) {
    if (!object["payload"].is_string()) reject("\"payload\" must be a string");
    return object["payload"].get<std::string>();
  }
  if (!object["payload_base64"].is_string()) reject("\"payload_base64\" must be a string");
  auto bytes = base64_decode(object["payload_base64"].get<std::string>());
  if (!bytes) reject("\"payload_base64\" is not valid base64");
  return std::move(*bytes);
}

// Properties are written as their -D names; numbers may be JSON numbers or strings.
std::string value_text(const Json& value, const std::string& name) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  reject(fmt::format("property \"{}\" must be a string or a non-negative whole number", name));
}

void add_user_properties(Properties& properties, const Json& value) {
  const auto add = [&](const Json& key, const Json& text) {
    if (!key.is_string() || !text.is_string()) reject("\"user-property\" keys and values must be strings");
    add_property_from_text(properties, CMD_PUBLISH, "user-property", key.get<std::string>(),
                           text.get<std::string>(), "properties:");
  };
  if (value.is_object()) {
    for (const auto& [key, text] : value.items())
      add(Json(key), text);
  } else if (value.is_array()) {
    for (const Json& pair : value) {
      if (!pair.is_array() || pair.size() != 2) reject("\"user-property\" pairs must be [key, value]");
      add(pair[0], pair[1]);
    }
  } else {
    reject("\"user-property\" must be an object or an array of [key, value] pairs");
  }
}

Properties properties_of(const Json& object) {
  if (!object.is_object()) reject("\"properties\" must be an object");
  Properties properties;
  for (const auto& [name, value] : object.items()) {
    if (name == "user-property")
      add_user_properties(properties, value);
    else
      add_property_from_text(properties, CMD_PUBLISH, name, value_text(value, name), {}, "properties:");
  }
  return properties;
}

}  // namespace

JsonMessage parse_json_message(std::string_view text, bool payload_as_json) {
  const Json object = Json::parse(text, nullptr, false);
  if (object.is_discarded()) reject("it is not valid JSON");
  if (!object.is_object()) reject("it is not a JSON object");
  static constexpr std::string_view known[] = {"topic", "payload", "payload_base64",
                                               "qos",   "retain",  "properties"};
  for (const auto& [key, value] : object.items()) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known))
      reject(fmt::format("unknown field \"{}\"", key));
  }
  JsonMessage message;
  message.payload = payload_of(object, payload_as_json);
  if (object.contains("topic")) {
    if (!object["topic"].is_string()) reject("\"topic\" must be a string");
    message.topic = object["topic"].get<std::string>();
  }
  if (object.contains("qos")) {
    const Json& qos = object["qos"];
    if (!qos.is_number_integer() || qos.get<long long>() < 0 || qos.get<long long>() > 2)
      reject("\"qos\" must be 0, 1 or 2");
    message.qos = qos.get<int>();
  }
  if (object.contains("retain")) {
    if (!object["retain"].is_boolean()) reject("\"retain\" must be true or false");
    message.retain = object["retain"].get<bool>();
  }
  if (object.contains("properties")) message.properties = properties_of(object["properties"]);
  return message;
}

}  // namespace mq
