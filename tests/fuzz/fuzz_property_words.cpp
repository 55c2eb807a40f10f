// Feeds arbitrary -D words (NUL-separated) to the property parser: properties or a usage Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mq/error.hpp"
#include "mq/property_options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{""};
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0)
      words.emplace_back();
    else
      words.back() += static_cast<char>(data[i]);
  }
  mq::Properties connect, publish, subscribe, unsubscribe, disconnect, will;
  bool v5 = false;
  try {
    mq::parse_property_words(words, {&connect, &publish, &subscribe, &unsubscribe, &disconnect, &will, &v5});
  } catch (const mq::Error& error) {
    if (error.code() != mq::Exit::usage) __builtin_trap();
  }
  return 0;
}
