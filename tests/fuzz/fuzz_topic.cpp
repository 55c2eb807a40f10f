// Feeds arbitrary bytes to the topic and filter validators: accept or throw a usage Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/topic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  for (auto check : {mq::check_topic_name, mq::check_topic_filter})
    fuzz::accepted_or_refused_with(mq::Exit::usage, [&] { check(text, "--topic"); });
  return 0;
}
