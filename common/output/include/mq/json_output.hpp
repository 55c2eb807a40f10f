#pragma once

#include <nlohmann/json_fwd.hpp>

#include <ctime>
#include <string>

#include "mq/message.hpp"

// Messages as JSON, in mosquitto_sub 2.1's layout (its %j and %J), but always valid: a payload
// that is not UTF-8 is written in base64 and flagged, never as raw bytes.
namespace mq {

/// How the payload of a message is written.
enum class JsonPayload {
  text,  ///< a JSON string (%j, --json); base64 with "payload_encoding": "base64" if not UTF-8
  json,  ///< the payload itself when it is one JSON value (%J), else as `text`
};

/// A payload decoded into JSON (mqsub --decode), and the name of the format it was decoded from.
struct DecodedPayload {
  const nlohmann::ordered_json* value = nullptr;
  std::string_view format;
};

/// Appends `message` as one JSON object: tst, topic, qos, retain (boolean), payloadlen, mid
/// (QoS > 0), properties (MQTT v5, user properties as an array) and payload; compact, or with
/// `pretty` indented with tabs as mosquitto_sub's --pretty does. No newline is appended. With a
/// `decoded` payload: "payload_format" (its name) and the decoded value as "payload".
void append_message_json(std::string& out, const Message& message, const timespec& received,
                         JsonPayload payload, bool pretty, const DecodedPayload* decoded = nullptr);

/// Appends `value` laid out as cJSON (mosquitto_sub's JSON library) prints it: compact, or
/// tab-indented; numbers as cJSON writes doubles ("27" for 27.0), or, with `exact_integers`,
/// whole numbers with all their digits (a decoded 2^64-1 stays itself) and floating-point numbers
/// in the shortest form that reads back the same, as floating point ("27.0"). Strings must be UTF-8.
void append_cjson_layout(std::string& out, const nlohmann::ordered_json& value, bool pretty,
                         bool exact_integers = false);

/// "2020-05-06T22:12:00.123456+0100": local time with microseconds, as in the "tst" key.
std::string iso8601_microseconds(const timespec& when);

}  // namespace mq
