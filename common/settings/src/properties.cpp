#include "mq/properties.hpp"

#include <fmt/format.h>
#include <mosquitto.h>

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

}  // namespace

Properties::~Properties() { mosquitto_property_free_all(&list_); }

Properties::Properties(Properties&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}

Properties& Properties::operator=(Properties&& other) noexcept {
  if (this != &other) {
    mosquitto_property_free_all(&list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

Properties::Properties(const Properties& other) {
  if (other.list_ && mosquitto_property_copy_all(&list_, other.list_) != MOSQ_ERR_SUCCESS)
    throw std::bad_alloc{};
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
