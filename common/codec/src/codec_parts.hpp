#pragma once

// What codec.cpp and sparkplug.cpp share, inside the codec layer.

#include <optional>
#include <string>
#include <string_view>

#include "mq/codec.hpp"

namespace mq::codec {

/// {"$binary": "<base64>"}, with "$subtype" when there is one.
JsonValue binary_json(std::string_view bytes, std::optional<std::uint64_t> subtype = std::nullopt);
/// The number, or {"$float": "nan" | "inf" | "-inf"} when it is not finite.
JsonValue float_json(double value);
/// The bytes of a JSON binary value, or of a "$binary" object; nothing for anything else.
std::optional<std::string> bytes_of(const JsonValue& value);
/// The number of a JSON number or "$float" object; nothing for anything else.
std::optional<double> double_of(const JsonValue& value);

/// Sparkplug B: the payload as JSON (sparkplug.cpp), and back.
DecodeResult decode_sparkplug(std::string_view bytes, std::string_view topic, SparkplugAliases* aliases);
EncodeResult encode_sparkplug(const JsonValue& value);

}  // namespace mq::codec
