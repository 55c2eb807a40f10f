#include "mq/property_options.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <charconv>
#include <cstdint>
#include <string>

#include "mq/error.hpp"
#include "mq/option_checks.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

constexpr const char* property_group = "MQTT v5 properties";
constexpr std::uint32_t varint_maximum = 268435455;

struct CommandName {
  std::string_view name;
  int command;
  Properties* PropertyTargets::*target;
};

constexpr CommandName commands[] = {
    {"connect", CMD_CONNECT, &PropertyTargets::connect},
    {"publish", CMD_PUBLISH, &PropertyTargets::publish},
    {"subscribe", CMD_SUBSCRIBE, &PropertyTargets::subscribe},
    {"unsubscribe", CMD_UNSUBSCRIBE, &PropertyTargets::unsubscribe},
    {"disconnect", CMD_DISCONNECT, &PropertyTargets::disconnect},
    {"will", CMD_WILL, &PropertyTargets::will},
};

// Properties the broker sets, or that the client library manages itself.
bool reserved_for_broker(int command, int identifier) {
  return (command == CMD_PUBLISH && identifier == MQTT_PROP_SUBSCRIPTION_IDENTIFIER) ||
         identifier == MQTT_PROP_REASON_STRING;
}

std::uint32_t parse_number(std::string_view text, std::uint32_t maximum, std::string_view context) {
  if (const std::string problem = whole_number_problem(text, 0, maximum); !problem.empty())
    throw usage_error(fmt::format("{}: {}", context, problem));
  return static_cast<std::uint32_t>(std::stoul(std::string{text}));
}

const CommandName& find_command(std::string_view name, const PropertyTargets& targets) {
  for (const CommandName& entry : commands) {
    if (entry.name != name) continue;
    if (targets.*(entry.target) == nullptr)
      throw usage_error(fmt::format("-D {}: this tool sends no {} packet", name, name),
                        "use -D with a command this tool sends");
    return entry;
  }
  throw usage_error(fmt::format("-D '{}' is not an MQTT command", printable(name)),
                    "use connect, publish, subscribe, unsubscribe, disconnect or will");
}

}  // namespace

bool property_takes_pair(std::string_view name) { return name == "user-property"; }

void add_property_from_text(Properties& properties, int command, std::string_view name,
                            std::string_view value, std::string_view second_value, std::string_view context) {
  int identifier = 0;
  int type = 0;
  const std::string name_text{name};
  const std::string where = fmt::format("{} {}", context, printable(name));
  if (mosquitto_string_to_property_info(name_text.c_str(), &identifier, &type) != MOSQ_ERR_SUCCESS)
    throw usage_error(fmt::format("{}: no such MQTT v5 property", where),
                      "see the list of properties in the manual (PROPERTIES)");
  if (mosquitto_property_check_command(command, identifier) != MOSQ_ERR_SUCCESS ||
      reserved_for_broker(command, identifier))
    throw usage_error(fmt::format("{}: this property cannot be sent in this packet", where));
  switch (type) {
  case MQTT_PROP_TYPE_BYTE:  // every byte property a client sends is a 0/1 flag
    properties.add_byte(identifier, static_cast<std::uint8_t>(parse_number(value, 1, where)));
    break;
  case MQTT_PROP_TYPE_INT16:
    properties.add_int16(identifier, static_cast<std::uint16_t>(parse_number(value, UINT16_MAX, where)));
    break;
  case MQTT_PROP_TYPE_INT32:
    properties.add_int32(identifier, parse_number(value, UINT32_MAX, where));
    break;
  case MQTT_PROP_TYPE_VARINT:
    properties.add_varint(identifier, parse_number(value, varint_maximum, where));
    break;
  case MQTT_PROP_TYPE_BINARY:
    properties.add_binary(identifier, value);
    break;
  case MQTT_PROP_TYPE_STRING:
    properties.add_string(identifier, value);
    break;
  case MQTT_PROP_TYPE_STRING_PAIR:
    properties.add_string_pair(identifier, value, second_value);
    break;
  default:
    throw usage_error(fmt::format("{}: unsupported property type", where));
  }
  const int rc = mosquitto_property_check_all(command, properties.get());
  if (rc != MOSQ_ERR_SUCCESS)
    throw usage_error(
        fmt::format("{} '{}' is not allowed: {}", where, printable(value), mosquitto_strerror(rc)));
}

void parse_property_words(const std::vector<std::string>& words, const PropertyTargets& targets) {
  std::size_t at = 0;
  while (at < words.size()) {
    if (words.size() - at < 3)
      throw usage_error("-D needs a command, a property name and a value",
                        "write -D COMMAND NAME VALUE, e.g. -D publish content-type text/plain");
    const CommandName& command = find_command(words[at], targets);
    const std::string& name = words[at + 1];
    const bool pair = property_takes_pair(name);
    if (pair && words.size() - at < 4)
      throw usage_error(fmt::format("-D {} user-property needs a key and a value", command.name));
    add_property_from_text(*(targets.*(command.target)), command.command, name, words[at + 2],
                           pair ? words[at + 3] : std::string_view{}, fmt::format("-D {}", command.name));
    at += pair ? 4 : 3;
  }
  if (targets.requires_v5 && !words.empty()) *targets.requires_v5 = true;
}

void add_property_option(CLI::App& app, const PropertyTargets& targets) {
  app.add_option_function<std::vector<std::string>>(
         "-D,--property",
         [targets](const std::vector<std::string>& words) { parse_property_words(words, targets); },
         "MQTT v5 property COMMAND NAME VALUE (user-property: COMMAND user-property KEY VALUE); repeatable")
      ->expected(3, 4)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("COMMAND NAME VALUE")
      ->group(property_group);
}

}  // namespace mq
