#include "mq/base64.hpp"

#include <array>

namespace mq {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int not_base64 = -1;

constexpr std::array<int, 256> make_decoding_table() {
  std::array<int, 256> table{};
  table.fill(not_base64);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  return table;
}

constexpr std::array<int, 256> decoding_table = make_decoding_table();

}  // namespace

std::string base64_encode(std::span<const unsigned char> bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t at = 0; at < bytes.size(); at += 3) {
    const std::size_t count = std::min<std::size_t>(3, bytes.size() - at);
    unsigned int group = static_cast<unsigned int>(bytes[at]) << 16;
    if (count > 1) group |= static_cast<unsigned int>(bytes[at + 1]) << 8;
    if (count > 2) group |= bytes[at + 2];
    text += alphabet[(group >> 18) & 0x3Fu];
    text += alphabet[(group >> 12) & 0x3Fu];
    text += count > 1 ? alphabet[(group >> 6) & 0x3Fu] : '=';
    text += count > 2 ? alphabet[group & 0x3Fu] : '=';
  }
  return text;
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
    ++padding;
  std::vector<unsigned char> bytes;
  bytes.reserve(text.size() / 4 * 3);
  unsigned int group = 0;
  const std::size_t digits = text.size() - padding;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const int value = at < digits ? decoding_table[static_cast<unsigned char>(text[at])] : 0;
    if (value == not_base64) return std::nullopt;
    group = (group << 6) | static_cast<unsigned int>(value);
    if (at % 4 == 3) {
      bytes.push_back(static_cast<unsigned char>(group >> 16));
      bytes.push_back(static_cast<unsigned char>(group >> 8));
      bytes.push_back(static_cast<unsigned char>(group));
      group = 0;
    }
  }
  // Padding stands for missing bytes, which must be zero bits in the last digit (canonical).
  for (std::size_t i = 0; i < padding; ++i) {
    if (bytes.back() != 0) return std::nullopt;
    bytes.pop_back();
  }
  return bytes;
}

}  // namespace mq
