// Feeds arbitrary bytes to the reader of the requests mqbench's metrics endpoint receives, as
// a hostile client sends them, and the Accept header it read to the negotiation of a type.
// Properties: a head is read only when complete; what is read has a method made of token
// characters and a path that starts with '/' and holds no space, control character or query;
// reading it twice gives the same request; the Accept value holds no line end; the type
// negotiated is one of those offered, the same each time, and the default when the value names
// no offered type (no "text/", "openmetrics" or "*").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "http_request.hpp"
#include "mq/http_response.hpp"
#include "mq/text.hpp"

namespace {

bool printable_without_space(std::string_view text) {
  for (const char c : text)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

const mq::bench::OfferedType offered[] = {{"text/plain", "0.0.4"}, {"application/openmetrics-text", "1.0.0"}};

bool names_an_offered_type(std::string_view accept) {
  const std::string lower = mq::ascii_lowercase(accept);
  return lower.find("text/") != std::string::npos || lower.find("openmetrics") != std::string::npos ||
         lower.find('*') != std::string::npos;
}

void check_negotiation(std::string_view accept) {
  const std::size_t preferred = mq::bench::preferred_type(accept, offered);
  fuzz::check(preferred < std::size(offered));
  fuzz::check(mq::bench::preferred_type(accept, offered) == preferred);
  if (!names_an_offered_type(accept)) fuzz::check(preferred == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view received = fuzz::as_text(data, size);
  check_negotiation(received);  // any bytes at all as an Accept value
  const std::size_t head_size = mq::http_head_size(received);
  const auto request = mq::bench::parse_http_request(received.substr(0, head_size));
  if (!request) return 0;
  fuzz::check(!request->method.empty() && printable_without_space(request->method));
  fuzz::check(request->path.starts_with('/') && printable_without_space(request->path));
  fuzz::check(request->path.find('?') == std::string_view::npos);
  const auto again = mq::bench::parse_http_request(received.substr(0, head_size));
  fuzz::check(again && again->method == request->method && again->path == request->path &&
              again->accept == request->accept);
  fuzz::check(request->accept.find_first_of("\r\n") == std::string::npos);
  check_negotiation(request->accept);
  return 0;
}
