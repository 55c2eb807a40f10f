#include "mq/topic.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "mq/error.hpp"
#include "mq/text.hpp"

namespace mq {
namespace {

constexpr std::size_t max_topic_bytes = 65535;

[[noreturn]] void reject(std::string_view option, std::string_view topic, std::string_view why,
                         std::string_view fix) {
  throw usage_error(fmt::format("{} '{}' is not valid: {}", option, printable(topic), why), std::string{fix});
}

// The code point of the valid UTF-8 sequence of `length` bytes at `at`.
char32_t code_point_at(std::string_view text, std::size_t at, std::size_t length) {
  static constexpr unsigned char lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t point = static_cast<unsigned char>(text[at]) & lead_bits[length];
  for (std::size_t i = 1; i < length; ++i)
    point = (point << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3Fu);
  return point;
}

// What MQTT brokers refuse in a topic (mosquitto checks exactly these; MQTT 5.0 section 1.5.4),
// with the 1-based byte position where it starts; empty when the topic is acceptable.
std::string character_problem(std::string_view topic) {
  for (std::size_t at = 0; at < topic.size();) {
    const auto byte = static_cast<unsigned char>(topic[at]);
    const std::size_t position = at + 1;
    const std::size_t length = utf8_sequence_length(topic, at);
    if (length == 0) return fmt::format("byte {} (\\x{:02x}) is not valid UTF-8", position, byte);
    const char32_t point = code_point_at(topic, at, length);
    if (point == 0) return fmt::format("byte {} is a NUL character", position);
    if (point < 0x20 || (point >= 0x7F && point <= 0x9F))
      return fmt::format("byte {} is the control character U+{:04X}, which MQTT brokers refuse in topics",
                         position, static_cast<std::uint32_t>(point));
    if ((point >= 0xFDD0 && point <= 0xFDEF) || (point & 0xFFFE) == 0xFFFE)
      return fmt::format(
          "byte {} starts U+{:04X}, a Unicode noncharacter, which MQTT brokers refuse in topics", position,
          static_cast<std::uint32_t>(point));
    at += length;
  }
  return {};
}

void check_common(std::string_view topic, std::string_view option) {
  if (topic.empty()) reject(option, topic, "it is empty", "give a topic such as 'sensors/room1'");
  if (topic.size() > max_topic_bytes)
    reject(option, topic.substr(0, 40),
           fmt::format("it is {} bytes long; MQTT allows at most 65535", topic.size()),
           "use a shorter topic");
  if (const std::string problem = character_problem(topic); !problem.empty())
    reject(option, topic, problem, "topics are UTF-8 text without control characters");
}

}  // namespace

void check_topic_name(std::string_view topic, std::string_view option) {
  check_common(topic, option);
  if (topic.find_first_of("+#") != std::string_view::npos)
    reject(option, topic, "wildcards '+' and '#' are only allowed in subscriptions",
           "publish to a concrete topic without '+' or '#'");
}

void check_topic_filter(std::string_view filter, std::string_view option) {
  check_common(filter, option);
  std::size_t level_start = 0;
  while (level_start <= filter.size()) {
    const std::size_t level_end = std::min(filter.find('/', level_start), filter.size());
    const std::string_view level = filter.substr(level_start, level_end - level_start);
    const bool has_wildcard = level.find_first_of("+#") != std::string_view::npos;
    if (has_wildcard && level.size() != 1)
      reject(option, filter, fmt::format("a wildcard must fill a whole level, not '{}'", level),
             "write wildcards as whole levels, e.g. 'a/+/c' or 'a/#'");
    if (level == "#" && level_end != filter.size())
      reject(option, filter, "'#' must be the last level", "put '#' at the end, e.g. 'a/b/#'");
    level_start = level_end + 1;
  }
}

}  // namespace mq
