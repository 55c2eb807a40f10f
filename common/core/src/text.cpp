#include "mq/text.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace mq {

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  unsigned int code_point = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0)
    length = 2, code_point = lead & 0x1Fu;
  else if ((lead & 0xF0) == 0xE0)
    length = 3, code_point = lead & 0x0Fu;
  else if ((lead & 0xF8) == 0xF0)
    length = 4, code_point = lead & 0x07u;
  else
    return 0;
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(at + i) & 0x3Fu);
  }
  static constexpr unsigned int smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  const bool overlong = code_point < smallest[length];
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  return (overlong || surrogate || code_point > 0x10FFFF) ? 0 : length;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    // Payloads are mostly ASCII: skip eight plain bytes at a time.
    if (at + 8 <= text.size()) {
      std::uint64_t block;
      std::memcpy(&block, text.data() + at, sizeof block);
      if ((block & 0x8080808080808080ULL) == 0) {
        at += 8;
        continue;
      }
    }
    const std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string hex(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const char byte : bytes)
    fmt::format_to(std::back_inserter(text), "{:02x}", static_cast<unsigned char>(byte));
  return text;
}

std::string ascii_lowercase(std::string_view text) {
  std::string lower{text};
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string printable(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size());
  for (std::size_t at = 0; at < bytes.size();) {
    const auto byte = static_cast<unsigned char>(bytes[at]);
    const std::size_t length = utf8_sequence_length(bytes, at);
    if (length == 0 || byte < 0x20 || byte == 0x7F) {
      text += fmt::format("\\x{:02x}", byte);
      ++at;
    } else {
      text.append(bytes.substr(at, length));
      at += length;
    }
  }
  return text;
}

}  // namespace mq
