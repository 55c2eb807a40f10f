// Feeds arbitrary bytes to the reader of HTTP answers (a proxy's answer to CONNECT, a server's
// answer to the WebSocket handshake) and to the checks of that answer. Properties: a head is
// measured within the input; a parsed head has a status from 100 to 999, lower-case token
// header names and printable values; the handshake check either accepts or throws an Error of
// exit 5 or 7, never anything else.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/http_response.hpp"
#include "mq/text.hpp"
#include "mq/websocket_handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const std::size_t head_size = mq::http_head_size(input);
  fuzz::check(head_size <= input.size());
  if (head_size == 0) return 0;
  const std::optional<mq::HttpResponse> response = mq::parse_http_response(input.substr(0, head_size));
  if (!response) return 0;
  fuzz::check(response->status >= 100 && response->status <= 999);
  fuzz::check(mq::starts_like_http(input));
  for (const auto& [name, value] : response->headers) {
    fuzz::check(!name.empty() && mq::ascii_lowercase(name) == name);
    fuzz::check(value.find('\n') == std::string::npos && value.find('\r') == std::string::npos);
    fuzz::check(response->header(name).has_value());
  }
  const mq::TransportOptions transport{.websocket = true};
  const mq::Endpoint broker{"broker", 8080, "", false, "/mqtt"};
  try {
    const std::string agreed =
        mq::check_websocket_answer(*response, transport, broker, "dGhlIHNhbXBsZSBub25jZQ==");
    fuzz::check(response->status == 101 && agreed == "mqtt");
  } catch (const mq::Error& error) {
    fuzz::check(error.code() == mq::Exit::protocol || error.code() == mq::Exit::authentication);
  }
  return 0;
}
