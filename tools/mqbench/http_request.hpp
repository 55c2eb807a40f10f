#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The one reader of the HTTP requests mqbench receives: the head of a scrape of its metrics
// endpoint. The request line and the Accept header are used; other headers are checked for shape
// and ignored.
namespace mq::bench {

/// The request line of an HTTP/1.x request, and what it accepts.
struct HttpRequest {
  std::string method;  // as sent: methods are case-sensitive
  std::string path;    // the target without its query
  std::string accept;  // the Accept header's value, trimmed (several joined with ","); empty: none
};

/// Reads a complete head (as mq::http_head_size measures it); nothing when it is not an HTTP/1.x
/// request: a request line that is not "METHOD SP TARGET SP HTTP/1.x", a target that is not a
/// path, a header line without a name and colon, obsolete line folding, control characters.
std::optional<HttpRequest> parse_http_request(std::string_view head);

/// A representation a server can answer with: its media type, lower-case ("text/plain"), and the
/// value of the version parameter that tells the variants of a type apart (empty: none).
struct OfferedType {
  std::string_view media_type;
  std::string_view version;
};

/// Which of `offered` the Accept header value `accept` prefers (RFC 9110 12.5.1). Each offered
/// type takes the q-value of the most specific media range that matches it: type/subtype with
/// its version, then type/subtype without a version, then type/*, then */* (a range naming
/// another version does not match; parameters other than version and q are ignored). The highest
/// q-value wins, then the more specific range, then the range listed first. The first offered
/// type, the default, when `accept` is empty or refuses or names none of them; ranges that are
/// not well-formed are skipped. `offered` holds one type at least.
std::size_t preferred_type(std::string_view accept, std::span<const OfferedType> offered);

}  // namespace mq::bench
