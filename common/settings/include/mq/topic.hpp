#pragma once

#include <string_view>

namespace mq {

/// Throws a usage Error, naming `option`, unless `topic` is a valid topic name to publish to:
/// not empty, valid UTF-8, no NUL, no wildcard, at most 65535 bytes.
void check_topic_name(std::string_view topic, std::string_view option);

/// Throws a usage Error, naming `option`, unless `filter` is a valid subscription filter:
/// the rules of a topic name, with '+' alone in a level and '#' alone in the last level.
void check_topic_filter(std::string_view filter, std::string_view option);

}  // namespace mq
