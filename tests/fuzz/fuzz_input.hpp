// What the fuzz targets share: reading libFuzzer's bytes as text split into fields, and
// stopping at the first violated property (__builtin_trap: libFuzzer saves the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mq/error.hpp"

namespace fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Stops the run, so that libFuzzer reports the input, unless `property` holds.
inline void check(bool property) {
  if (!property) __builtin_trap();
}

/// The text of `input` up to the first `separator` (all of it when there is none), removed from
/// `input` with the separator.
inline std::string_view take_field(std::string_view& input, char separator = '\n') {
  const std::size_t end = input.find(separator);
  const std::string_view field = input.substr(0, end);
  input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
  return field;
}

/// Every field of `input` between `separator`s: "a,,b," gives "a", "", "b", "".
inline std::vector<std::string> split(std::string_view input, char separator) {
  std::vector<std::string> fields;
  for (std::size_t start = 0;;) {
    const std::size_t end = input.find(separator, start);
    fields.emplace_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

/// Runs `parse`; whether it succeeded. Any mq::Error it throws must carry `refusal`.
template <class Parse> bool accepted_or_refused_with(mq::Exit refusal, Parse&& parse) {
  try {
    parse();
    return true;
  } catch (const mq::Error& error) {
    check(error.code() == refusal);
    return false;
  }
}

}  // namespace fuzz
