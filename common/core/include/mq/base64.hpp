#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mq {

/// Standard base64 (RFC 4648) with '=' padding.
std::string base64_encode(std::string_view bytes);

/// Decodes standard padded base64; nothing if `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mq
