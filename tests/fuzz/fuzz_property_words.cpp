// Feeds arbitrary -D words (NUL-separated) to the property parser: properties or a usage Error.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "mq/property_options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto words = fuzz::split(fuzz::as_text(data, size), '\0');
  mq::Properties connect, publish, subscribe, unsubscribe, disconnect, will;
  bool v5 = false;
  fuzz::accepted_or_refused_with(mq::Exit::usage, [&] {
    mq::parse_property_words(words, {&connect, &publish, &subscribe, &unsubscribe, &disconnect, &will, &v5});
  });
  return 0;
}
