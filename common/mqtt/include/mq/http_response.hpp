#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The one reader of the HTTP answers mq receives: a proxy's answer to CONNECT and a server's
// answer to the WebSocket handshake. Only the head (status line and headers) is read; what
// follows it belongs to the tunnel.
namespace mq {

/// The most bytes a head may take; a longer one is refused rather than buffered.
constexpr std::size_t http_head_limit = 16 * 1024;

/// The head of an HTTP/1.x response.
struct HttpResponse {
  int status = 0;
  std::string status_line;                                   // as received, made printable
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, values trimmed

  /// The value of the first header called `name` (lower-case), if any.
  std::optional<std::string> header(std::string_view name) const;
  /// Whether the comma-separated values of header `name` hold `token`, compared without case.
  bool header_has_token(std::string_view name, std::string_view token) const;
};

/// How far `received` holds a head: the size of a complete head (its blank line included), or 0
/// while more is needed. Bare LF line ends are accepted, as clients do.
std::size_t http_head_size(std::string_view received);

/// Whether `received` (at least its first 5 bytes, or all of a shorter input) can be the start
/// of an HTTP/1.x response.
bool starts_like_http(std::string_view received);

/// Reads a complete head (as http_head_size measured it); nothing when it is not an HTTP/1.x
/// response: a bad status line, a header line without a name, obsolete line folding.
std::optional<HttpResponse> parse_http_response(std::string_view head);

// The pieces of HTTP text every reader of a head shares (this one, mqbench's request reader).

/// The next line of `rest` without its CRLF or LF, and `rest` moved past it.
std::string_view next_http_line(std::string_view& rest);
/// Whether `text` is an HTTP token (a header name, a method): one or more of RFC 9110's tchar.
bool is_http_token(std::string_view text);
/// `text` without the spaces and tabs (HTTP's optional whitespace) at its ends.
std::string_view trimmed_http_whitespace(std::string_view text);

}  // namespace mq
