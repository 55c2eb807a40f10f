#include "mq/properties.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "mq/error.hpp"

namespace mq {
namespace {

void check_added(int rc, int identifier) {
  if (rc == MOSQ_ERR_SUCCESS) return;
  const char* name = mosquitto_property_identifier_to_string(identifier);
  throw usage_error(fmt::format("property {} cannot take this value: {}",
                                name ? name : std::to_string(identifier), mosquitto_strerror(rc)));
}

static_assert(static_cast<int>(PropertyType::byte) == MQTT_PROP_TYPE_BYTE &&
              static_cast<int>(PropertyType::int16) == MQTT_PROP_TYPE_INT16 &&
              static_cast<int>(PropertyType::int32) == MQTT_PROP_TYPE_INT32 &&
              static_cast<int>(PropertyType::varint) == MQTT_PROP_TYPE_VARINT &&
              static_cast<int>(PropertyType::binary) == MQTT_PROP_TYPE_BINARY &&
              static_cast<int>(PropertyType::string) == MQTT_PROP_TYPE_STRING &&
              static_cast<int>(PropertyType::string_pair) == MQTT_PROP_TYPE_STRING_PAIR);

PropertyType libmosquitto_type(int identifier) {
  const char* name = mosquitto_property_identifier_to_string(identifier);
  int known_identifier = 0, type = 0;
  if (name == nullptr ||
      mosquitto_string_to_property_info(name, &known_identifier, &type) != MOSQ_ERR_SUCCESS)
    return PropertyType::unknown;
  return static_cast<PropertyType>(type);
}

// libmosquitto's type of each identifier (the highest is shared-subscription-available), asked once.
PropertyType type_of(int identifier) {
  static const auto types = [] {
    std::array<PropertyType, MQTT_PROP_SHARED_SUB_AVAILABLE + 1> table{};
    for (std::size_t known = 0; known < table.size(); ++known)
      table[known] = libmosquitto_type(static_cast<int>(known));
    return table;
  }();
  if (identifier < 0 || static_cast<std::size_t>(identifier) >= types.size()) return PropertyType::unknown;
  return types[static_cast<std::size_t>(identifier)];
}

// The readers return nullptr for another identifier or type (never here: a property is read by
// its own) or when their copy could not be allocated.
void check_read(const mosquitto_property* found) {
  if (found == nullptr) throw std::bad_alloc{};
}

// Reads a number with libmosquitto's reader for its type.
template <typename Number>
std::uint32_t read_with(const mosquitto_property* (*reader)(const mosquitto_property*, int, Number*, bool),
                        const mosquitto_property* property, int identifier) {
  Number value = 0;
  check_read(reader(property, identifier, &value, false));
  return value;
}

std::uint32_t read_number(const mosquitto_property* property, int identifier, PropertyType type) {
  if (type == PropertyType::byte) return read_with(mosquitto_property_read_byte, property, identifier);
  if (type == PropertyType::int16) return read_with(mosquitto_property_read_int16, property, identifier);
  if (type == PropertyType::int32) return read_with(mosquitto_property_read_int32, property, identifier);
  return read_with(mosquitto_property_read_varint, property, identifier);
}

MosquittoBytes read_binary(const mosquitto_property* property, int identifier) {
  void* data = nullptr;
  std::uint16_t length = 0;
  check_read(mosquitto_property_read_binary(property, identifier, &data, &length, false));
  return {data, length};
}

MosquittoBytes take_string(char* text) { return {text, text ? std::strlen(text) : 0}; }

MosquittoBytes read_string(const mosquitto_property* property, int identifier) {
  char* text = nullptr;
  check_read(mosquitto_property_read_string(property, identifier, &text, false));
  return take_string(text);
}

void read_string_pair(ReadProperty& pair, const mosquitto_property* property) {
  char* name = nullptr;
  char* value = nullptr;
  check_read(mosquitto_property_read_string_pair(property, pair.identifier, &name, &value, false));
  pair.pair_name = take_string(name);
  pair.bytes = take_string(value);
}

// Reads the value of `property` (the readers start at the list they are given: `property` itself).
void read_value(ReadProperty& result, const mosquitto_property* property) {
  switch (result.type) {
  case PropertyType::unknown:
    break;
  case PropertyType::binary:
    result.bytes = read_binary(property, result.identifier);
    break;
  case PropertyType::string:
    result.bytes = read_string(property, result.identifier);
    break;
  case PropertyType::string_pair:
    read_string_pair(result, property);
    break;
  default:
    result.number = read_number(property, result.identifier, result.type);
  }
}

ReadProperty read_property(const mosquitto_property* property) {
  ReadProperty result;
  result.identifier = mosquitto_property_identifier(property);
  const char* name = mosquitto_property_identifier_to_string(result.identifier);
  if (name != nullptr) result.name = name;
  result.type = type_of(result.identifier);
  read_value(result, property);
  return result;
}

// Hands each property of `list` with `identifier` (any, without one) to `take`, in order, until
// `take` returns false.
template <typename Take>
void each_property(const mosquitto_property* list, std::optional<int> identifier, Take take) {
  for (const mosquitto_property* property = list; property; property = mosquitto_property_next(property))
    if (!identifier || mosquitto_property_identifier(property) == *identifier)
      if (!take(property)) return;
}

std::vector<ReadProperty> read_each(const mosquitto_property* list, std::optional<int> identifier) {
  std::vector<ReadProperty> properties;
  each_property(list, identifier, [&](const mosquitto_property* property) {
    properties.push_back(read_property(property));
    return true;
  });
  return properties;
}

}  // namespace

MosquittoBytes::MosquittoBytes(void* data, std::size_t size) noexcept
    : data_(static_cast<char*>(data)), size_(size) {}

void MosquittoBytes::Free::operator()(char* data) const noexcept { std::free(data); }

std::vector<ReadProperty> read_properties(const mosquitto_property* list) {
  return read_each(list, std::nullopt);
}

std::vector<ReadProperty> read_properties(const mosquitto_property* list, int identifier) {
  return read_each(list, identifier);
}

std::optional<ReadProperty> find_property(const mosquitto_property* list, int identifier) {
  std::optional<ReadProperty> found;
  each_property(list, identifier, [&](const mosquitto_property* property) {
    found = read_property(property);
    return false;  // the first one
  });
  return found;
}

Properties::~Properties() { mosquitto_property_free_all(&list_); }

Properties::Properties(Properties&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}

Properties& Properties::operator=(Properties&& other) noexcept {
  if (this != &other) {
    mosquitto_property_free_all(&list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

// Property by property: libmosquitto 2.0.11's mosquitto_property_copy_all copies only the first
// of a list (a test of -D publish with --encode's content type showed it).
Properties::Properties(const Properties& other) {
  for (const ReadProperty& property : read_properties(other.list_)) {
    switch (property.type) {
    case PropertyType::byte:
      add_byte(property.identifier, static_cast<std::uint8_t>(property.number));
      break;
    case PropertyType::int16:
      add_int16(property.identifier, static_cast<std::uint16_t>(property.number));
      break;
    case PropertyType::int32:
      add_int32(property.identifier, property.number);
      break;
    case PropertyType::varint:
      add_varint(property.identifier, property.number);
      break;
    case PropertyType::binary:
      add_binary(property.identifier, property.bytes.view());
      break;
    case PropertyType::string:
      add_string(property.identifier, property.bytes.view());
      break;
    case PropertyType::string_pair:
      add_string_pair(property.identifier, property.pair_name.view(), property.bytes.view());
      break;
    case PropertyType::unknown:
      break;
    }
  }
}

Properties& Properties::operator=(const Properties& other) {
  if (this != &other) *this = Properties{other};
  return *this;
}

mosquitto_property* Properties::release() { return std::exchange(list_, nullptr); }

void Properties::add_byte(int identifier, std::uint8_t value) {
  check_added(mosquitto_property_add_byte(&list_, identifier, value), identifier);
}

void Properties::add_int16(int identifier, std::uint16_t value) {
  check_added(mosquitto_property_add_int16(&list_, identifier, value), identifier);
}

void Properties::add_int32(int identifier, std::uint32_t value) {
  check_added(mosquitto_property_add_int32(&list_, identifier, value), identifier);
}

void Properties::add_varint(int identifier, std::uint32_t value) {
  check_added(mosquitto_property_add_varint(&list_, identifier, value), identifier);
}

void Properties::add_binary(int identifier, std::string_view value) {
  if (value.size() > UINT16_MAX) check_added(MOSQ_ERR_INVAL, identifier);
  check_added(mosquitto_property_add_binary(&list_, identifier, value.data(),
                                            static_cast<std::uint16_t>(value.size())),
              identifier);
}

void Properties::add_string(int identifier, std::string_view value) {
  const std::string text{value};
  check_added(mosquitto_property_add_string(&list_, identifier, text.c_str()), identifier);
}

void Properties::add_string_pair(int identifier, std::string_view name, std::string_view value) {
  const std::string key{name}, text{value};
  check_added(mosquitto_property_add_string_pair(&list_, identifier, key.c_str(), text.c_str()), identifier);
}

}  // namespace mq
