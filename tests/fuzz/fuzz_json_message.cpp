// Feeds arbitrary lines to the --json-lines parser: a message or a usage Error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json_message.hpp"
#include "mq/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const mq::JsonMessage message = mq::parse_json_message({reinterpret_cast<const char*>(data), size});
    if (message.qos && (*message.qos < 0 || *message.qos > 2)) __builtin_trap();
  } catch (const mq::Error& error) {
    if (error.code() != mq::Exit::usage) __builtin_trap();
  }
  return 0;
}
