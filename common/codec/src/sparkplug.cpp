// Sparkplug B payloads as JSON and back. The JSON keeps the specification's field names; a
// datatype is shown by its name ("Int32"), signed integers with their sign, arrays (carried in
// bytes_value) as JSON arrays, bytes as {"$binary": ...}. What the decoder prints, the encoder
// takes, so that a message can be edited and published again.

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "codec_parts.hpp"
#include "mq/base64.hpp"
#include "mq/text.hpp"
#include "sparkplug_b.pb.h"

namespace mq::codec {
namespace {

namespace pb = mq::sparkplug;
using Metric = pb::Payload::Metric;

// Sparkplug B's datatypes, by number (Sparkplug 3.0, 6.4.16).
constexpr std::string_view datatype_names[] = {
    "Unknown",       "Int8",
    "Int16",         "Int32",
    "Int64",         "UInt8",
    "UInt16",        "UInt32",
    "UInt64",        "Float",
    "Double",        "Boolean",
    "String",        "DateTime",
    "Text",          "UUID",
    "DataSet",       "Bytes",
    "File",          "Template",
    "PropertySet",   "PropertySetList",
    "Int8Array",     "Int16Array",
    "Int32Array",    "Int64Array",
    "UInt8Array",    "UInt16Array",
    "UInt32Array",   "UInt64Array",
    "FloatArray",    "DoubleArray",
    "BooleanArray",  "StringArray",
    "DateTimeArray",
};
enum Type : std::uint32_t {
  Int8 = 1,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float,
  Double,
  Boolean,
  String,
  DateTime,
  Text,
  UUID,
  DataSet,
  Bytes,
  File,
  Template,
  PropertySet,
  PropertySetList,
  Int8Array,
  Int16Array,
  Int32Array,
  Int64Array,
  UInt8Array,
  UInt16Array,
  UInt32Array,
  UInt64Array,
  FloatArray,
  DoubleArray,
  BooleanArray,
  StringArray,
  DateTimeArray
};

// A payload that cannot be decoded or a value that cannot be encoded; the message says where.
struct Refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void refuse(const std::string& where, const std::string& why) {
  throw Refusal{where.empty() ? why : fmt::format("{}: {}", where, why)};
}

JsonValue datatype_json(std::uint32_t type) {
  if (type < std::size(datatype_names)) return std::string{datatype_names[type]};
  return type;
}

std::string datatype_text(std::uint32_t type) {
  return type < std::size(datatype_names) ? std::string{datatype_names[type]} : std::to_string(type);
}

JsonValue text_json(const std::string& text) {
  return is_valid_utf8(text) ? JsonValue(text) : binary_json(text);
}

// --- decoding ---

// A signed type travels as its two's complement in the unsigned field.
JsonValue int_json(std::uint32_t raw, std::uint32_t type) {
  switch (type) {
  case Int8:
    return static_cast<std::int8_t>(raw);
  case Int16:
    return static_cast<std::int16_t>(raw);
  case Int32:
    return static_cast<std::int32_t>(raw);
  default:
    return raw;
  }
}

JsonValue long_json(std::uint64_t raw, std::uint32_t type) {
  if (type == Int64) return static_cast<std::int64_t>(raw);
  return raw;
}

// The value of the scalar members every value message has; nothing when none is set.
template <class Message> std::optional<JsonValue> scalar_json(const Message& m, std::uint32_t type) {
  if (m.has_int_value()) return int_json(m.int_value(), type);
  if (m.has_long_value()) return long_json(m.long_value(), type);
  if (m.has_float_value()) return float_json(static_cast<double>(m.float_value()));
  if (m.has_double_value()) return float_json(m.double_value());
  if (m.has_boolean_value()) return JsonValue(m.boolean_value());
  if (m.has_string_value()) return text_json(m.string_value());
  return std::nullopt;
}

template <class T> T little_endian(const char* at) {
  T value{};
  std::memcpy(&value, at, sizeof value);
  if constexpr (std::endian::native == std::endian::big) {
    auto* bytes = reinterpret_cast<unsigned char*>(&value);
    std::reverse(bytes, bytes + sizeof value);
  }
  return value;
}

template <class T, class Shown = T>
JsonValue packed_array(const std::string& bytes, const std::string& where, std::uint32_t type) {
  if (bytes.size() % sizeof(T) != 0)
    refuse(where, fmt::format("{} bytes are not a whole number of {}-byte {} elements", bytes.size(),
                              sizeof(T), datatype_text(type)));
  JsonValue array = JsonValue::array();
  for (std::size_t at = 0; at < bytes.size(); at += sizeof(T)) {
    const T value = little_endian<T>(bytes.data() + at);
    if constexpr (std::is_floating_point_v<T>)
      array.push_back(float_json(static_cast<double>(value)));
    else
      array.push_back(static_cast<Shown>(value));
  }
  return array;
}

JsonValue array_json(std::uint32_t type, const std::string& bytes, const std::string& where) {
  switch (type) {
  case Int8Array:
    return packed_array<std::int8_t, std::int64_t>(bytes, where, type);
  case Int16Array:
    return packed_array<std::int16_t>(bytes, where, type);
  case Int32Array:
    return packed_array<std::int32_t>(bytes, where, type);
  case Int64Array:
    return packed_array<std::int64_t>(bytes, where, type);
  case UInt8Array:
    return packed_array<std::uint8_t, std::uint64_t>(bytes, where, type);
  case UInt16Array:
    return packed_array<std::uint16_t>(bytes, where, type);
  case UInt32Array:
    return packed_array<std::uint32_t>(bytes, where, type);
  case UInt64Array:
  case DateTimeArray:
    return packed_array<std::uint64_t>(bytes, where, type);
  case FloatArray:
    return packed_array<float>(bytes, where, type);
  case DoubleArray:
    return packed_array<double>(bytes, where, type);
  case BooleanArray: {
    // A 4-byte count, then the booleans packed into bytes, the first in the highest bit.
    if (bytes.size() < 4) refuse(where, "a BooleanArray starts with a 4-byte count, and it is shorter");
    const std::uint32_t count = little_endian<std::uint32_t>(bytes.data());
    if ((bytes.size() - 4) * 8 < count || (bytes.size() - 4) > (std::size_t{count} + 7) / 8)
      refuse(where, fmt::format("a BooleanArray of {} values has {} bytes of bits", count, bytes.size() - 4));
    JsonValue array = JsonValue::array();
    for (std::uint32_t i = 0; i < count; ++i)
      array.push_back((static_cast<unsigned char>(bytes[4 + i / 8]) >> (7 - i % 8) & 1) != 0);
    return array;
  }
  default: {  // StringArray: each string ends with a NUL byte
    if (!bytes.empty() && bytes.back() != '\0')
      refuse(where, "a StringArray's last string has no NUL ending");
    JsonValue array = JsonValue::array();
    for (std::size_t at = 0; at < bytes.size();) {
      const std::size_t end = bytes.find('\0', at);
      array.push_back(text_json(bytes.substr(at, end - at)));
      at = end + 1;
    }
    return array;
  }
  }
}

bool is_array_type(std::uint32_t type) { return type >= Int8Array && type <= DateTimeArray; }

JsonValue property_set_json(const pb::Payload::PropertySet& set, const std::string& where);

JsonValue property_value_json(const pb::Payload::PropertyValue& value, const std::string& where) {
  JsonValue json = JsonValue::object();
  if (value.has_type()) json["type"] = datatype_json(value.type());
  if (value.has_is_null()) json["is_null"] = value.is_null();
  if (std::optional<JsonValue> scalar = scalar_json(value, value.type()))
    json["value"] = std::move(*scalar);
  else if (value.has_propertyset_value())
    json["value"] = property_set_json(value.propertyset_value(), where);
  else if (value.has_propertysets_value()) {
    JsonValue list = JsonValue::array();
    for (const auto& set : value.propertysets_value().propertyset())
      list.push_back(property_set_json(set, where));
    json["value"] = std::move(list);
  }
  return json;
}

JsonValue property_set_json(const pb::Payload::PropertySet& set, const std::string& where) {
  if (set.keys_size() != set.values_size())
    refuse(where, fmt::format("a PropertySet has {} keys and {} values", set.keys_size(), set.values_size()));
  JsonValue json = JsonValue::object();
  for (int i = 0; i < set.keys_size(); ++i) {
    const std::string& key = set.keys(i);
    if (!is_valid_utf8(key)) refuse(where, "a PropertySet key is not UTF-8 text");
    json[key] = property_value_json(set.values(i), fmt::format("{}, property '{}'", where, printable(key)));
  }
  return json;
}

JsonValue metadata_json(const pb::Payload::MetaData& m) {
  JsonValue json = JsonValue::object();
  if (m.has_is_multi_part()) json["is_multi_part"] = m.is_multi_part();
  if (m.has_content_type()) json["content_type"] = text_json(m.content_type());
  if (m.has_size()) json["size"] = m.size();
  if (m.has_seq()) json["seq"] = m.seq();
  if (m.has_file_name()) json["file_name"] = text_json(m.file_name());
  if (m.has_file_type()) json["file_type"] = text_json(m.file_type());
  if (m.has_md5()) json["md5"] = text_json(m.md5());
  if (m.has_description()) json["description"] = text_json(m.description());
  return json;
}

JsonValue dataset_json(const pb::Payload::DataSet& set, const std::string& where) {
  JsonValue json = JsonValue::object();
  json["num_of_columns"] = set.num_of_columns();  // required by the specification: 0 when absent
  JsonValue columns = JsonValue::array();
  for (const std::string& column : set.columns())
    columns.push_back(text_json(column));
  json["columns"] = std::move(columns);
  JsonValue types = JsonValue::array();
  for (const std::uint32_t type : set.types())
    types.push_back(datatype_json(type));
  json["types"] = std::move(types);
  JsonValue rows = JsonValue::array();
  for (const auto& row : set.rows()) {
    JsonValue elements = JsonValue::array();
    for (int i = 0; i < row.elements_size(); ++i) {
      const std::uint32_t type = i < set.types_size() ? set.types(i) : 0;
      std::optional<JsonValue> value = scalar_json(row.elements(i), type);
      elements.push_back(value ? std::move(*value) : JsonValue(nullptr));
    }
    rows.push_back(std::move(elements));
  }
  json["rows"] = std::move(rows);
  (void)where;
  return json;
}

JsonValue metric_json(const Metric& m, const std::string& where, const std::string* resolved_name);

JsonValue template_json(const pb::Payload::Template& t, const std::string& where) {
  JsonValue json = JsonValue::object();
  if (t.has_version()) json["version"] = text_json(t.version());
  if (t.has_template_ref()) json["template_ref"] = text_json(t.template_ref());
  if (t.has_is_definition()) json["is_definition"] = t.is_definition();
  if (t.parameters_size() > 0) {
    JsonValue parameters = JsonValue::array();
    for (const auto& p : t.parameters()) {
      JsonValue parameter = JsonValue::object();
      if (p.has_name()) parameter["name"] = text_json(p.name());
      if (p.has_type()) parameter["type"] = datatype_json(p.type());
      if (std::optional<JsonValue> value = scalar_json(p, p.type())) parameter["value"] = std::move(*value);
      parameters.push_back(std::move(parameter));
    }
    json["parameters"] = std::move(parameters);
  }
  JsonValue metrics = JsonValue::array();
  for (int i = 0; i < t.metrics_size(); ++i)
    metrics.push_back(metric_json(t.metrics(i), fmt::format("{}, member {}", where, i + 1), nullptr));
  json["metrics"] = std::move(metrics);
  return json;
}

JsonValue metric_json(const Metric& m, const std::string& where, const std::string* resolved_name) {
  JsonValue json = JsonValue::object();
  if (m.has_name())
    json["name"] = text_json(m.name());
  else if (resolved_name != nullptr)
    json["name"] = text_json(*resolved_name);
  if (m.has_alias()) json["alias"] = m.alias();
  if (!m.has_name() && resolved_name != nullptr) json["name_from_birth"] = true;
  if (m.has_timestamp()) json["timestamp"] = m.timestamp();
  if (m.has_datatype()) json["datatype"] = datatype_json(m.datatype());
  if (m.has_is_historical()) json["is_historical"] = m.is_historical();
  if (m.has_is_transient()) json["is_transient"] = m.is_transient();
  if (m.has_is_null()) json["is_null"] = m.is_null();
  if (m.has_metadata()) json["metadata"] = metadata_json(m.metadata());
  if (m.has_properties()) json["properties"] = property_set_json(m.properties(), where);
  const std::uint32_t type = m.datatype();
  if (std::optional<JsonValue> scalar = scalar_json(m, type))
    json["value"] = std::move(*scalar);
  else if (m.has_bytes_value())
    json["value"] =
        is_array_type(type) ? array_json(type, m.bytes_value(), where) : binary_json(m.bytes_value());
  else if (m.has_dataset_value())
    json["value"] = dataset_json(m.dataset_value(), where);
  else if (m.has_template_value())
    json["value"] = template_json(m.template_value(), where);
  return json;
}

// "spBv1.0/GROUP/TYPE/EDGE[/DEVICE]" -> the edge node "GROUP/EDGE" and TYPE; nothing for
// another topic.
std::optional<std::pair<std::string, std::string>> node_and_type(std::string_view topic) {
  constexpr std::string_view prefix = "spBv1.0/";
  if (!topic.starts_with(prefix)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  std::string_view parts[3];
  for (std::string_view& part : parts) {
    const std::size_t slash = topic.find('/');
    part = topic.substr(0, slash);
    topic = slash == std::string_view::npos ? std::string_view{} : topic.substr(slash + 1);
    if (part.empty()) return std::nullopt;
  }
  return std::pair{fmt::format("{}/{}", parts[0], parts[2]), std::string{parts[1]}};
}

std::string metric_where(const Metric& m, int index) {
  if (m.has_name()) return fmt::format("metric '{}'", printable(m.name()));
  if (m.has_alias()) return fmt::format("metric with alias {}", m.alias());
  return fmt::format("metric {}", index + 1);
}

// --- encoding ---

std::string where_in(const std::string& where, const std::string& what) {
  return where.empty() ? what : fmt::format("{}, {}", where, what);
}

void only_keys(const JsonValue& object, std::initializer_list<std::string_view> known,
               const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end())
      refuse(where, fmt::format("unknown field \"{}\" (known: {})", printable(key), fmt::join(known, ", ")));
  }
}

const JsonValue& object_at(const JsonValue& value, const std::string& where) {
  if (!value.is_object()) refuse(where, "must be a JSON object");
  return value;
}

std::uint64_t unsigned_of(const JsonValue& value, const std::string& where, std::uint64_t max = UINT64_MAX) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > max)
    refuse(where, fmt::format("must be a whole number from 0 to {}", max));
  return value.get<std::uint64_t>();
}

bool bool_of(const JsonValue& value, const std::string& where) {
  if (!value.is_boolean()) refuse(where, "must be true or false");
  return value.get<bool>();
}

const std::string& string_of(const JsonValue& value, const std::string& where) {
  if (!value.is_string()) refuse(where, "must be a string");
  return value.get_ref<const std::string&>();
}

std::uint32_t datatype_of(const JsonValue& value, const std::string& where) {
  if (value.is_string()) {
    const std::string& name = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < std::size(datatype_names); ++i)
      if (name == datatype_names[i]) return static_cast<std::uint32_t>(i);
    refuse(where, fmt::format("\"{}\" is not a Sparkplug B datatype (Int8 ... DateTimeArray, or a number)",
                              printable(name)));
  }
  return static_cast<std::uint32_t>(unsigned_of(value, where, UINT32_MAX));
}

std::int64_t integer_in(const JsonValue& value, std::int64_t min, std::int64_t max, std::uint32_t type,
                        const std::string& where) {
  const bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                    : value.is_number_integer()
                        ? value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max
                        : false;
  if (!fits)
    refuse(where, fmt::format("{} needs a whole number from {} to {}, not {}", datatype_text(type), min, max,
                              value.dump()));
  return value.is_number_unsigned() ? static_cast<std::int64_t>(value.get<std::uint64_t>())
                                    : value.get<std::int64_t>();
}

double real_of(const JsonValue& value, std::uint32_t type, const std::string& where) {
  if (!value.is_number())
    refuse(where, fmt::format("{} needs a number, not {}", datatype_text(type), value.dump()));
  return value.get<double>();
}

// Sets the scalar member of `m` that `type` uses; false when `type` is not a scalar type.
template <class Message>
bool set_scalar(Message& m, std::uint32_t type, const JsonValue& value, const std::string& where) {
  switch (type) {
  case Int8:
    m.set_int_value(static_cast<std::uint32_t>(
        static_cast<std::int32_t>(integer_in(value, INT8_MIN, INT8_MAX, type, where))));
    return true;
  case Int16:
    m.set_int_value(static_cast<std::uint32_t>(
        static_cast<std::int32_t>(integer_in(value, INT16_MIN, INT16_MAX, type, where))));
    return true;
  case Int32:
    m.set_int_value(static_cast<std::uint32_t>(
        static_cast<std::int32_t>(integer_in(value, INT32_MIN, INT32_MAX, type, where))));
    return true;
  case UInt8:
    m.set_int_value(static_cast<std::uint32_t>(integer_in(value, 0, UINT8_MAX, type, where)));
    return true;
  case UInt16:
    m.set_int_value(static_cast<std::uint32_t>(integer_in(value, 0, UINT16_MAX, type, where)));
    return true;
  case UInt32:
    m.set_int_value(static_cast<std::uint32_t>(integer_in(value, 0, UINT32_MAX, type, where)));
    return true;
  case Int64:
    m.set_long_value(static_cast<std::uint64_t>(integer_in(value, INT64_MIN, INT64_MAX, type, where)));
    return true;
  case UInt64:
  case DateTime:
    if (!value.is_number_unsigned())
      refuse(where, fmt::format("{} needs a whole number from 0 to {}, not {}", datatype_text(type),
                                UINT64_MAX, value.dump()));
    m.set_long_value(value.get<std::uint64_t>());
    return true;
  case Float:
    m.set_float_value(static_cast<float>(real_of(value, type, where)));
    return true;
  case Double:
    m.set_double_value(real_of(value, type, where));
    return true;
  case Boolean:
    m.set_boolean_value(bool_of(value, where));
    return true;
  case String:
  case Text:
  case UUID:
    m.set_string_value(string_of(value, where));
    return true;
  default:
    return false;
  }
}

template <class T> void append_little_endian(std::string& out, T value) {
  if constexpr (std::endian::native == std::endian::big) {
    auto* bytes = reinterpret_cast<unsigned char*>(&value);
    std::reverse(bytes, bytes + sizeof value);
  }
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string packed_bytes(std::uint32_t type, const JsonValue& value, const std::string& where) {
  if (!value.is_array()) refuse(where, fmt::format("{} needs a JSON array", datatype_text(type)));
  std::string out;
  const auto each = [&](auto append) {
    for (std::size_t i = 0; i < value.size(); ++i)
      append(value[i], fmt::format("{}, element {}", where, i + 1));
  };
  switch (type) {
  case Int8Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::int8_t>(integer_in(v, INT8_MIN, INT8_MAX, Int8, w)));
    });
    break;
  case Int16Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::int16_t>(integer_in(v, INT16_MIN, INT16_MAX, Int16, w)));
    });
    break;
  case Int32Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::int32_t>(integer_in(v, INT32_MIN, INT32_MAX, Int32, w)));
    });
    break;
  case Int64Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, integer_in(v, INT64_MIN, INT64_MAX, Int64, w));
    });
    break;
  case UInt8Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::uint8_t>(integer_in(v, 0, UINT8_MAX, UInt8, w)));
    });
    break;
  case UInt16Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::uint16_t>(integer_in(v, 0, UINT16_MAX, UInt16, w)));
    });
    break;
  case UInt32Array:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<std::uint32_t>(integer_in(v, 0, UINT32_MAX, UInt32, w)));
    });
    break;
  case UInt64Array:
  case DateTimeArray:
    each([&](const JsonValue& v, const std::string& w) { append_little_endian(out, unsigned_of(v, w)); });
    break;
  case FloatArray:
    each([&](const JsonValue& v, const std::string& w) {
      append_little_endian(out, static_cast<float>(real_of(v, Float, w)));
    });
    break;
  case DoubleArray:
    each([&](const JsonValue& v, const std::string& w) { append_little_endian(out, real_of(v, Double, w)); });
    break;
  case BooleanArray: {
    append_little_endian(out, static_cast<std::uint32_t>(value.size()));
    std::string bits((value.size() + 7) / 8, '\0');
    each([&, i = std::size_t{0}](const JsonValue& v, const std::string& w) mutable {
      if (bool_of(v, w)) bits[i / 8] = static_cast<char>(bits[i / 8] | 0x80 >> (i % 8));
      ++i;
    });
    out += bits;
    break;
  }
  default:  // StringArray
    each([&](const JsonValue& v, const std::string& w) {
      const std::string& text = string_of(v, w);
      if (text.find('\0') != std::string::npos)
        refuse(w, "a StringArray's strings cannot hold a NUL character");
      out += text;
      out += '\0';
    });
  }
  return out;
}

void fill_property_set(pb::Payload::PropertySet& set, const JsonValue& json, const std::string& where);

void fill_property_value(pb::Payload::PropertyValue& p, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  only_keys(json, {"type", "is_null", "value"}, where);
  if (!json.contains("type")) refuse(where, "a property needs \"type\"");
  const std::uint32_t type = datatype_of(json["type"], where_in(where, "\"type\""));
  p.set_type(type);
  if (json.contains("is_null")) p.set_is_null(bool_of(json["is_null"], where_in(where, "\"is_null\"")));
  if (!json.contains("value") || json["value"].is_null()) return;
  const JsonValue& value = json["value"];
  if (set_scalar(p, type, value, where)) return;
  if (type == PropertySet) return fill_property_set(*p.mutable_propertyset_value(), value, where);
  if (type == PropertySetList) {
    if (!value.is_array()) refuse(where, "a PropertySetList needs a JSON array of objects");
    for (const JsonValue& set : value)
      fill_property_set(*p.mutable_propertysets_value()->add_propertyset(), set, where);
    return;
  }
  refuse(where, fmt::format("a property of type {} cannot hold a value", datatype_text(type)));
}

void fill_property_set(pb::Payload::PropertySet& set, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  for (const auto& [key, value] : json.items()) {
    set.add_keys(key);
    fill_property_value(*set.add_values(), value, fmt::format("{}, property '{}'", where, printable(key)));
  }
}

void fill_metadata(pb::Payload::MetaData& m, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  only_keys(json,
            {"is_multi_part", "content_type", "size", "seq", "file_name", "file_type", "md5", "description"},
            where);
  for (const auto& [key, value] : json.items()) {
    const std::string w = where_in(where, fmt::format("\"{}\"", key));
    if (key == "is_multi_part") m.set_is_multi_part(bool_of(value, w));
    if (key == "content_type") m.set_content_type(string_of(value, w));
    if (key == "size") m.set_size(unsigned_of(value, w));
    if (key == "seq") m.set_seq(unsigned_of(value, w));
    if (key == "file_name") m.set_file_name(string_of(value, w));
    if (key == "file_type") m.set_file_type(string_of(value, w));
    if (key == "md5") m.set_md5(string_of(value, w));
    if (key == "description") m.set_description(string_of(value, w));
  }
}

void fill_dataset(pb::Payload::DataSet& set, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  only_keys(json, {"num_of_columns", "columns", "types", "rows"}, where);
  if (json.contains("columns")) {
    if (!json["columns"].is_array()) refuse(where, "\"columns\" must be an array of strings");
    for (const JsonValue& column : json["columns"])
      set.add_columns(string_of(column, where_in(where, "\"columns\"")));
  }
  if (json.contains("types")) {
    if (!json["types"].is_array()) refuse(where, "\"types\" must be an array of datatypes");
    for (const JsonValue& type : json["types"])
      set.add_types(datatype_of(type, where_in(where, "\"types\"")));
  }
  set.set_num_of_columns(json.contains("num_of_columns")
                             ? unsigned_of(json["num_of_columns"], where_in(where, "\"num_of_columns\""))
                             : static_cast<std::uint64_t>(set.columns_size()));
  if (!json.contains("rows")) return;
  if (!json["rows"].is_array()) refuse(where, "\"rows\" must be an array of arrays");
  for (std::size_t r = 0; r < json["rows"].size(); ++r) {
    const JsonValue& row = json["rows"][r];
    const std::string row_where = where_in(where, fmt::format("row {}", r + 1));
    if (!row.is_array()) refuse(row_where, "must be an array");
    auto* elements = set.add_rows();
    for (std::size_t i = 0; i < row.size(); ++i) {
      auto* element = elements->add_elements();
      if (row[i].is_null()) continue;
      const std::uint32_t type = static_cast<int>(i) < set.types_size() ? set.types(static_cast<int>(i)) : 0;
      const std::string w = where_in(row_where, fmt::format("column {}", i + 1));
      if (!set_scalar(*element, type, row[i], w))
        refuse(w, fmt::format("a DataSet column of type {} cannot hold a value", datatype_text(type)));
    }
  }
}

void fill_metric(Metric& m, const JsonValue& json, const std::string& where);

void fill_template(pb::Payload::Template& t, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  only_keys(json, {"version", "template_ref", "is_definition", "parameters", "metrics"}, where);
  if (json.contains("version")) t.set_version(string_of(json["version"], where_in(where, "\"version\"")));
  if (json.contains("template_ref"))
    t.set_template_ref(string_of(json["template_ref"], where_in(where, "\"template_ref\"")));
  if (json.contains("is_definition"))
    t.set_is_definition(bool_of(json["is_definition"], where_in(where, "\"is_definition\"")));
  if (json.contains("parameters")) {
    if (!json["parameters"].is_array()) refuse(where, "\"parameters\" must be an array");
    for (const JsonValue& parameter : json["parameters"]) {
      const std::string w = where_in(where, "parameter");
      object_at(parameter, w);
      only_keys(parameter, {"name", "type", "value"}, w);
      auto* p = t.add_parameters();
      if (parameter.contains("name")) p->set_name(string_of(parameter["name"], w));
      const std::uint32_t type = parameter.contains("type") ? datatype_of(parameter["type"], w) : 0;
      if (parameter.contains("type")) p->set_type(type);
      if (parameter.contains("value") && !parameter["value"].is_null() &&
          !set_scalar(*p, type, parameter["value"], w))
        refuse(w, fmt::format("a parameter of type {} cannot hold a value", datatype_text(type)));
    }
  }
  if (json.contains("metrics")) {
    if (!json["metrics"].is_array()) refuse(where, "\"metrics\" must be an array");
    for (std::size_t i = 0; i < json["metrics"].size(); ++i)
      fill_metric(*t.add_metrics(), json["metrics"][i], where_in(where, fmt::format("member {}", i + 1)));
  }
}

void fill_metric(Metric& m, const JsonValue& json, const std::string& where) {
  object_at(json, where);
  only_keys(json,
            {"name", "alias", "name_from_birth", "timestamp", "datatype", "is_historical", "is_transient",
             "is_null", "metadata", "properties", "value"},
            where);
  // A name the decoder took from a birth was not in the message: it is not sent again.
  const bool name_from_birth = json.contains("name_from_birth") && bool_of(json["name_from_birth"], where);
  if (json.contains("name") && !name_from_birth)
    m.set_name(string_of(json["name"], where_in(where, "\"name\"")));
  if (json.contains("alias")) m.set_alias(unsigned_of(json["alias"], where_in(where, "\"alias\"")));
  if (json.contains("timestamp"))
    m.set_timestamp(unsigned_of(json["timestamp"], where_in(where, "\"timestamp\"")));
  const std::uint32_t type =
      json.contains("datatype") ? datatype_of(json["datatype"], where_in(where, "\"datatype\"")) : 0;
  if (json.contains("datatype")) m.set_datatype(type);
  if (json.contains("is_historical")) m.set_is_historical(bool_of(json["is_historical"], where));
  if (json.contains("is_transient")) m.set_is_transient(bool_of(json["is_transient"], where));
  if (json.contains("is_null")) m.set_is_null(bool_of(json["is_null"], where));
  if (json.contains("metadata"))
    fill_metadata(*m.mutable_metadata(), json["metadata"], where_in(where, "metadata"));
  if (json.contains("properties")) fill_property_set(*m.mutable_properties(), json["properties"], where);
  if (!json.contains("value") || json["value"].is_null()) return;
  const JsonValue& value = json["value"];
  if (!json.contains("datatype")) refuse(where, "a metric with a \"value\" needs its \"datatype\"");
  if (set_scalar(m, type, value, where)) return;
  if (is_array_type(type)) return m.set_bytes_value(packed_bytes(type, value, where));
  switch (type) {
  case Bytes:
  case File: {
    const std::optional<std::string> bytes = bytes_of(value);
    if (!bytes) refuse(where, fmt::format("{} needs {{\"$binary\": \"<base64>\"}}", datatype_text(type)));
    return m.set_bytes_value(*bytes);
  }
  case DataSet:
    return fill_dataset(*m.mutable_dataset_value(), value, where_in(where, "DataSet"));
  case Template:
    return fill_template(*m.mutable_template_value(), value, where_in(where, "Template"));
  default:
    refuse(where, fmt::format("a metric of type {} cannot hold a value", datatype_text(type)));
  }
}

std::string metric_where(const JsonValue& json, std::size_t index) {
  if (json.is_object() && json.contains("name") && json["name"].is_string())
    return fmt::format("metric '{}'", printable(json["name"].get<std::string>()));
  return fmt::format("metric {}", index + 1);
}

}  // namespace

DecodeResult decode_sparkplug(std::string_view bytes, std::string_view topic, SparkplugAliases* aliases) {
  // No bytes are a protobuf message with no fields: {"metrics": []}, as the encoder writes it.
  DecodeResult result;
  pb::Payload payload;
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX) ||
      !payload.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    result.error = fmt::format("not valid Sparkplug B: its {} bytes are not a complete Sparkplug B protobuf "
                               "message (truncated, or another format)",
                               bytes.size());
    return result;
  }
  const auto place = node_and_type(topic);
  const bool birth = place && (place->second == "NBIRTH" || place->second == "DBIRTH");
  if (aliases != nullptr && place && place->second == "NBIRTH") aliases->forget(place->first);
  try {
    JsonValue json = JsonValue::object();
    if (payload.has_timestamp()) json["timestamp"] = payload.timestamp();
    JsonValue metrics = JsonValue::array();
    for (int i = 0; i < payload.metrics_size(); ++i) {
      const Metric& m = payload.metrics(i);
      const std::string* resolved = nullptr;
      if (aliases != nullptr && place && m.has_alias()) {
        if (birth && m.has_name())
          aliases->learn(place->first, m.alias(), m.name());
        else if (!m.has_name())
          resolved = aliases->name(place->first, m.alias());
      }
      metrics.push_back(metric_json(m, metric_where(m, i), resolved));
    }
    json["metrics"] = std::move(metrics);
    if (payload.has_seq()) json["seq"] = payload.seq();
    if (payload.has_uuid()) json["uuid"] = text_json(payload.uuid());
    if (payload.has_body()) json["body"] = binary_json(payload.body());
    result.value = std::move(json);
  } catch (const Refusal& refusal) {
    result.error = fmt::format("not valid Sparkplug B: {}", refusal.what());
  }
  return result;
}

EncodeResult encode_sparkplug(const JsonValue& json) {
  EncodeResult result;
  try {
    if (!json.is_object())
      refuse("", "a Sparkplug B payload is a JSON object {\"timestamp\", \"metrics\", \"seq\", ...}");
    only_keys(json, {"timestamp", "metrics", "seq", "uuid", "body"}, "the payload");
    pb::Payload payload;
    if (json.contains("timestamp")) payload.set_timestamp(unsigned_of(json["timestamp"], "\"timestamp\""));
    if (json.contains("metrics")) {
      if (!json["metrics"].is_array()) refuse("\"metrics\"", "must be an array of metrics");
      for (std::size_t i = 0; i < json["metrics"].size(); ++i)
        fill_metric(*payload.add_metrics(), json["metrics"][i], metric_where(json["metrics"][i], i));
    }
    if (json.contains("seq")) payload.set_seq(unsigned_of(json["seq"], "\"seq\""));
    if (json.contains("uuid")) payload.set_uuid(string_of(json["uuid"], "\"uuid\""));
    if (json.contains("body")) {
      const std::optional<std::string> body = bytes_of(json["body"]);
      if (!body) refuse("\"body\"", "must be {\"$binary\": \"<base64>\"}");
      payload.set_body(*body);
    }
    result.bytes = payload.SerializeAsString();
  } catch (const Refusal& refusal) {
    result.error = fmt::format("not a Sparkplug B payload: {}", refusal.what());
  }
  return result;
}

}  // namespace mq::codec
