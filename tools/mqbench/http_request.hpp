#pragma once

#include <optional>
#include <string>
#include <string_view>

// The one reader of the HTTP requests mqbench receives: the head of a scrape of its metrics
// endpoint. Only the request line is used; headers are checked for shape and ignored.
namespace mq::bench {

/// The request line of an HTTP/1.x request.
struct HttpRequest {
  std::string method;  // as sent: methods are case-sensitive
  std::string path;    // the target without its query
};

/// Reads a complete head (as mq::http_head_size measures it); nothing when it is not an HTTP/1.x
/// request: a request line that is not "METHOD SP TARGET SP HTTP/1.x", a target that is not a
/// path, a header line without a name and colon, obsolete line folding, control characters.
std::optional<HttpRequest> parse_http_request(std::string_view head);

}  // namespace mq::bench
