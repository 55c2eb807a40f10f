#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mq/properties.hpp"

namespace mq {

/// One message to publish, described as a JSON object (mqpub --json-lines):
/// {"topic": "a/b", "payload": "text" | "payload_base64": "AAE=", "qos": 1, "retain": false,
///  "properties": {"content-type": "text/plain", "user-property": {"k": "v"} | [["k", "v"]]}}.
/// Only the payload is required; absent fields fall back to the command line.
struct JsonMessage {
  std::optional<std::string> topic;
  std::string payload;
  std::optional<int> qos;
  std::optional<bool> retain;
  std::optional<Properties> properties;
};

/// Parses one JSON object; throws a usage Error saying which field is wrong and why. With
/// `payload_as_json` (mqpub --encode), "payload" may be any JSON value, and `payload` is its
/// JSON text, to be encoded; "payload_base64" is refused.
JsonMessage parse_json_message(std::string_view text, bool payload_as_json = false);

}  // namespace mq
