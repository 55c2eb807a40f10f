#include "http_request.hpp"

#include <algorithm>

#include "mq/http_response.hpp"

namespace mq::bench {
namespace {

// Visible ASCII only: no spaces, controls or bytes above 0x7e in a target.
bool is_visible(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool is_http1_version(std::string_view version) {
  return version.size() == 8 && version.starts_with("HTTP/1.") && version[7] >= '0' && version[7] <= '9';
}

// "Name: value": a token, a colon, then no control characters but tab.
bool is_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_http_token(line.substr(0, colon))) return false;
  const std::string_view value = line.substr(colon + 1);
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f; });
}

std::optional<HttpRequest> parse_request_line(std::string_view line) {
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) return std::nullopt;
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  if (!is_http_token(method) || !is_visible(target) || !target.starts_with('/') ||
      !is_http1_version(line.substr(last_space + 1)))
    return std::nullopt;
  return HttpRequest{std::string{method}, std::string{target.substr(0, target.find('?'))}};
}

}  // namespace

std::optional<HttpRequest> parse_http_request(std::string_view head) {
  std::optional<HttpRequest> request = parse_request_line(next_http_line(head));
  if (!request) return std::nullopt;
  while (!head.empty()) {
    const std::string_view line = next_http_line(head);
    if (line.empty()) break;  // the blank line that ends the head
    if (line.front() == ' ' || line.front() == '\t' || !is_header_line(line)) return std::nullopt;
  }
  return request;
}

}  // namespace mq::bench
