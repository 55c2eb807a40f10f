#include "mq/topic.hpp"

#include <fmt/format.h>
#include <mosquitto.h>

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

void check_common(std::string_view topic, std::string_view option) {
  if (topic.empty()) reject(option, topic, "it is empty", "give a topic such as 'sensors/room1'");
  if (topic.size() > max_topic_bytes)
    reject(option, topic.substr(0, 40), "it is longer than 65535 bytes", "use a shorter topic");
  if (topic.find('\0') != std::string_view::npos)
    reject(option, topic, "it contains a NUL character", "remove the NUL character");
  if (mosquitto_validate_utf8(topic.data(), static_cast<int>(topic.size())) != MOSQ_ERR_SUCCESS)
    reject(option, topic, "it is not valid UTF-8", "topics must be UTF-8 text");
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
