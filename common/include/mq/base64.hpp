#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

/// Standard base64 (RFC 4648 alphabet) with '=' padding and no line breaks.
std::string base64_encode(std::span<const unsigned char> bytes);

/// Decodes standard padded base64 strictly: nothing but the alphabet, a length that is a
/// multiple of 4, at most two '=' at the end and zero bits after the last byte, so that every
/// accepted text is exactly what base64_encode writes. Nothing when the text is not that.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text);

}  // namespace mq
