// Feeds arbitrary text to the -L URL parser: it must parse or throw mq::Error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mq/error.hpp"
#include "mq/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  try {
    const mq::BrokerUrl url = mq::parse_broker_url(text);
    if (url.host.empty() || url.topic.empty()) __builtin_trap();
    if (url.port && (*url.port < 1 || *url.port > 65535)) __builtin_trap();
  } catch (const mq::Error& error) {
    if (error.code() != mq::Exit::usage) __builtin_trap();
  }
  return 0;
}
