// Feeds arbitrary bytes to the topic and filter validators: accept or throw a usage Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mq/error.hpp"
#include "mq/topic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  for (auto check : {mq::check_topic_name, mq::check_topic_filter}) {
    try {
      check(text, "--topic");
    } catch (const mq::Error& error) {
      if (error.code() != mq::Exit::usage) __builtin_trap();
    }
  }
  return 0;
}
