// Feeds arbitrary bytes to the reader of the requests mqbench's metrics endpoint receives, as
// a hostile client sends them. Properties: a head is read only when complete; what is read has
// a method made of token characters and a path that starts with '/' and holds no space, control
// character or query; and reading it twice gives the same request.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.hpp"
#include "http_request.hpp"
#include "mq/http_response.hpp"

namespace {

bool printable_without_space(std::string_view text) {
  for (const char c : text)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view received = fuzz::as_text(data, size);
  const std::size_t head_size = mq::http_head_size(received);
  const auto request = mq::bench::parse_http_request(received.substr(0, head_size));
  if (!request) return 0;
  fuzz::check(!request->method.empty() && printable_without_space(request->method));
  fuzz::check(request->path.starts_with('/') && printable_without_space(request->path));
  fuzz::check(request->path.find('?') == std::string_view::npos);
  const auto again = mq::bench::parse_http_request(received.substr(0, head_size));
  fuzz::check(again && again->method == request->method && again->path == request->path);
  return 0;
}
