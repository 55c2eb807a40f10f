#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

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

/// The kind of value a property holds; the numbers are libmosquitto's MQTT_PROP_TYPE_*.
enum class PropertyType {
  unknown = 0,
  byte = 1,
  int16 = 2,
  int32 = 3,
  varint = 4,
  binary = 5,
  string = 6,
  string_pair = 7
};

/// Bytes libmosquitto allocated with malloc (its readers hand out copies), freed when this goes.
class MosquittoBytes {
public:
  MosquittoBytes() = default;
  /// Takes `data` (malloc'd, may be nullptr) holding `size` bytes.
  MosquittoBytes(void* data, std::size_t size) noexcept;
  /// The bytes; empty when libmosquitto gave none.
  std::string_view view() const { return {data_.get(), data_ ? size_ : 0}; }

private:
  struct Free {
    void operator()(char* data) const noexcept;
  };
  std::unique_ptr<char, Free> data_;
  std::size_t size_ = 0;
};

/// One property as read from a list: which it is and its value.
struct ReadProperty {
  int identifier = 0;                         // MQTT_PROP_*
  std::string_view name;                      // libmosquitto's, "content-type"; empty when unknown
  PropertyType type = PropertyType::unknown;  // says which of the values below is set
  std::uint32_t number = 0;                   // byte, int16, int32, varint
  MosquittoBytes bytes;                       // binary, string; the value of a string pair
  MosquittoBytes pair_name;                   // the name of a string pair
};

/// Every property of `list` in order; nothing (and no allocation) for an empty list.
std::vector<ReadProperty> read_properties(const mosquitto_property* list);
/// The properties of `list` with `identifier` in order (user properties may repeat).
std::vector<ReadProperty> read_properties(const mosquitto_property* list, int identifier);
/// The first property of `list` with `identifier`, if there is one.
std::optional<ReadProperty> find_property(const mosquitto_property* list, int identifier);

}  // namespace mq
