#pragma once

#include <string_view>

#include "mq/cli_forward.hpp"
#include "mq/properties.hpp"

namespace mq {

/// Where the -D properties of each MQTT command go; a null target means the tool does not send
/// that packet, and -D for it is a usage error.
struct PropertyTargets {
  Properties* connect = nullptr;
  Properties* publish = nullptr;
  Properties* subscribe = nullptr;
  Properties* unsubscribe = nullptr;
  Properties* disconnect = nullptr;
  Properties* will = nullptr;
  bool* requires_v5 = nullptr;  // set when any -D is given: properties exist only in MQTT v5
};

/// Registers -D/--property CMD NAME VALUE (user-property takes KEY VALUE), repeatable, as
/// mosquitto_pub and mosquitto_sub spell it.
void add_property_option(CLI::App& app, const PropertyTargets& targets);

/// Parses "-D" words (CMD NAME VALUE [VALUE2] ...) into the targets. Throws a usage Error naming
/// the command and the property for an unknown command or name, a wrong value or range.
void parse_property_words(const std::vector<std::string>& words, const PropertyTargets& targets);

/// Adds property `name` with its value(s) in text form to `properties` of MQTT command
/// `command` (CMD_PUBLISH, ...); `context` prefixes error messages (e.g. "-D publish").
void add_property_from_text(Properties& properties, int command, std::string_view name,
                            std::string_view value, std::string_view second_value, std::string_view context);

/// Whether property `name` takes two values (user-property: KEY VALUE).
bool property_takes_pair(std::string_view name);

}  // namespace mq
