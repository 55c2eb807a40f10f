#include "mq/json_output.hpp"

#include <fmt/format.h>
#include <mqtt_protocol.h>
#include <nlohmann/json.hpp>

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "mq/base64.hpp"
#include "mq/local_time.hpp"
#include "mq/properties.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

using Json = nlohmann::ordered_json;

constexpr int max_json_payload_depth = 256;  // as mq::max_nesting for --decode

void append_tabs(std::string& out, int count) { out.append(static_cast<std::size_t>(count), '\t'); }

// cJSON escapes the two JSON specials, the five short control escapes and every other control
// character as \u00xx; everything else, UTF-8 included, is written as it is.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text.substr(plain_from, at - plain_from));
    plain_from = at + 1;
    switch (byte) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", byte);
    }
  }
  out.append(text.substr(plain_from));
  out += '"';
}

// cJSON keeps every number as a double and prints it as an int when it is one, else with the
// fewest of 15 or 17 significant digits that read back as the same value.
void append_json_number(std::string& out, double value) {
  if (std::isnan(value) || std::isinf(value)) {
    out += "null";
    return;
  }
  const int as_int = value >= INT_MAX ? INT_MAX : value <= INT_MIN ? INT_MIN : static_cast<int>(value);
  if (value == static_cast<double>(as_int)) {
    fmt::format_to(std::back_inserter(out), "{}", as_int);
    return;
  }
  char text[64];
  std::snprintf(text, sizeof text, "%1.15g", value);
  const double read_back = std::strtod(text, nullptr);
  const double largest = std::fmax(std::fabs(read_back), std::fabs(value));
  if (std::fabs(read_back - value) > largest * DBL_EPSILON) std::snprintf(text, sizeof text, "%1.17g", value);
  out += text;
}

void append_value(std::string& out, const Json& value, bool pretty, int depth, bool exact) {
  switch (value.type()) {
  case Json::value_t::object: {
    out += '{';
    const int inner = depth + 1;
    if (pretty) out += '\n';
    for (auto item = value.begin(); item != value.end(); ++item) {
      if (pretty) append_tabs(out, inner);
      append_json_string(out, item.key());
      out += pretty ? ":\t" : ":";
      append_value(out, item.value(), pretty, inner, exact);
      if (std::next(item) != value.end()) out += ',';
      if (pretty) out += '\n';
    }
    if (pretty) append_tabs(out, inner - 1);
    out += '}';
    break;
  }
  case Json::value_t::array:
    out += '[';
    for (auto item = value.begin(); item != value.end(); ++item) {
      append_value(out, *item, pretty, depth + 1, exact);
      if (std::next(item) != value.end()) out += pretty ? ", " : ",";
    }
    out += ']';
    break;
  case Json::value_t::string:
    append_json_string(out, value.get_ref<const std::string&>());
    break;
  case Json::value_t::boolean:
    out += value.get<bool>() ? "true" : "false";
    break;
  case Json::value_t::number_integer:
    if (!exact) return append_json_number(out, value.get<double>());
    fmt::format_to(std::back_inserter(out), "{}", value.get<std::int64_t>());
    break;
  case Json::value_t::number_unsigned:
    if (!exact) return append_json_number(out, value.get<double>());
    fmt::format_to(std::back_inserter(out), "{}", value.get<std::uint64_t>());
    break;
  case Json::value_t::number_float:
    if (exact && std::isfinite(value.get<double>())) {
      // The shortest text that reads back as the same double, and a float stays one: 3.0, -0.0.
      const std::string text = fmt::format("{}", value.get<double>());
      out += text;
      if (text.find_first_of(".e") == std::string::npos) out += ".0";
      break;
    }
    append_json_number(out, value.get<double>());
    break;
  default:  // null, and the binary and discarded kinds a parse never produces here
    out += "null";
  }
}

// Text that must become a JSON string: as it is when it is UTF-8, else base64, flagged by
// "<key>_encoding" (or "<key>-encoding" for the hyphenated property names) beside it.
void add_text(Json& object, const std::string& key, std::string_view bytes, char encoding_joiner = '_') {
  if (is_valid_utf8(bytes)) {
    object[key] = std::string{bytes};
  } else {
    object[key] = base64_encode(bytes);
    object[key + encoding_joiner + "encoding"] = "base64";
  }
}

void add_property(Json& properties, const ReadProperty& property) {
  switch (property.identifier) {
  case MQTT_PROP_PAYLOAD_FORMAT_INDICATOR:
  case MQTT_PROP_MESSAGE_EXPIRY_INTERVAL:
  case MQTT_PROP_SUBSCRIPTION_IDENTIFIER:
  case MQTT_PROP_TOPIC_ALIAS:
    properties[std::string{property.name}] = property.number;
    break;
  case MQTT_PROP_CONTENT_TYPE:
  case MQTT_PROP_RESPONSE_TOPIC:
  case MQTT_PROP_CORRELATION_DATA:
    add_text(properties, std::string{property.name}, property.bytes.view(), '-');
    break;
  case MQTT_PROP_USER_PROPERTY: {
    Json pair = Json::object();
    add_text(pair, std::string{property.pair_name.view()}, property.bytes.view(), '-');
    properties["user-properties"].push_back(std::move(pair));
    break;
  }
  default:  // the properties a PUBLISH cannot carry, as mosquitto_sub skips them
    break;
  }
}

Json properties_json(const mosquitto_property* properties) {
  Json object = Json::object();
  for (const ReadProperty& property : read_properties(properties))
    add_property(object, property);
  return object;
}

void add_payload(Json& root, std::string_view payload, JsonPayload mode, const DecodedPayload* decoded) {
  if (decoded != nullptr && decoded->value != nullptr) {
    root["payload_format"] = std::string{decoded->format};
    root["payload"] = *decoded->value;
    return;
  }
  if (payload.empty()) {
    root["payload"] = nullptr;
    return;
  }
  if (mode == JsonPayload::json) {
    // Printing recurses: a payload nested deeper than anyone writes by hand is shown as text.
    bool too_deep = false;
    const auto limit_depth = [&too_deep](int depth, nlohmann::detail::parse_event_t, Json&) {
      too_deep = too_deep || depth > max_json_payload_depth;
      return !too_deep;
    };
    Json parsed = Json::parse(payload, limit_depth, /*allow_exceptions=*/false);
    if (!parsed.is_discarded() && !too_deep) {
      root["payload"] = std::move(parsed);
      return;
    }
  }
  add_text(root, "payload", payload);
}

}  // namespace

std::string iso8601_microseconds(const timespec& when) {
  const std::tm& calendar = local_time(when.tv_sec);
  char date[32], zone[16];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &calendar);
  std::strftime(zone, sizeof zone, "%z", &calendar);
  return fmt::format("{}.{:06}{}", date, when.tv_nsec / 1000, zone);
}

void append_cjson_layout(std::string& out, const nlohmann::ordered_json& value, bool pretty,
                         bool exact_integers) {
  append_value(out, value, pretty, 0, exact_integers);
}

void append_message_json(std::string& out, const Message& message, const timespec& received,
                         JsonPayload payload, bool pretty, const DecodedPayload* decoded) {
  Json root = Json::object();
  root["tst"] = iso8601_microseconds(received);
  add_text(root, "topic", message.topic);
  root["qos"] = message.qos;
  root["retain"] = message.retain;
  root["payloadlen"] = message.payload.size();
  if (message.qos > 0) root["mid"] = message.mid;
  if (message.properties != nullptr) root["properties"] = properties_json(message.properties);
  add_payload(root, message.payload, payload, decoded);
  append_cjson_layout(out, root, pretty, decoded != nullptr);
}

}  // namespace mq
