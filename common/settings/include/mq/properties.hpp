#pragma once

#include <cstdint>
#include <string_view>

struct mqtt5__property;
using mosquitto_property = struct mqtt5__property;

namespace mq {

/// Owns an MQTT v5 property list (mosquitto_property*); empty means "no properties".
class Properties {
public:
  Properties() = default;
  ~Properties();
  Properties(Properties&& other) noexcept;
  Properties& operator=(Properties&& other) noexcept;
  Properties(const Properties& other);
  Properties& operator=(const Properties& other);

  /// The list for libmosquitto calls; nullptr when empty.
  const mosquitto_property* get() const { return list_; }
  /// Gives up ownership, for libmosquitto calls that take it (mosquitto_will_set_v5).
  mosquitto_property* release();
  /// Whether no property was added.
  bool empty() const { return list_ == nullptr; }

  void add_byte(int identifier, std::uint8_t value);
  void add_int16(int identifier, std::uint16_t value);
  void add_int32(int identifier, std::uint32_t value);
  void add_varint(int identifier, std::uint32_t value);
  void add_binary(int identifier, std::string_view value);
  void add_string(int identifier, std::string_view value);
  void add_string_pair(int identifier, std::string_view name, std::string_view value);

private:
  mosquitto_property* list_ = nullptr;
};

}  // namespace mq
