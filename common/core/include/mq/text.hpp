#pragma once

#include <string>
#include <string_view>

namespace mq {

/// `bytes` made safe to show in a diagnostic: control characters and bytes that are not part
/// of valid UTF-8 become \xNN, so a message never carries a NUL or a terminal escape.
std::string printable(std::string_view bytes);

/// `bytes` in lower-case hexadecimal, two digits a byte ("0a1f").
std::string hex(std::string_view bytes);

/// `text` with A-Z made a-z, every other byte left alone (HTTP header names, for comparing).
std::string ascii_lowercase(std::string_view text);

/// Length of the valid UTF-8 sequence starting at `text[at]`, or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

/// Whether `text` is entirely valid UTF-8 (control characters and NUL included).
bool is_valid_utf8(std::string_view text);

}  // namespace mq
