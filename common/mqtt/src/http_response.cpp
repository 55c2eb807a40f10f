#include "mq/http_response.hpp"

#include <algorithm>
#include <charconv>

#include "mq/text.hpp"

namespace mq {
namespace {

constexpr std::string_view http_prefix = "HTTP/";

// "HTTP/1.1 101 Switching Protocols": the version, a space, three digits, then any reason.
std::optional<int> status_of(std::string_view line) {
  if (!line.starts_with(http_prefix)) return std::nullopt;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos || line.size() < space + 4) return std::nullopt;
  const std::string_view digits = line.substr(space + 1, 3);
  if (line.size() > space + 4 && line[space + 4] != ' ') return std::nullopt;
  int status = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
  if (ec != std::errc{} || end != digits.data() + digits.size() || status < 100) return std::nullopt;
  return status;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const auto found =
      std::find_if(headers.begin(), headers.end(), [name](const auto& h) { return h.first == name; });
  if (found == headers.end()) return std::nullopt;
  return found->second;
}

bool HttpResponse::header_has_token(std::string_view name, std::string_view token) const {
  const std::string wanted = ascii_lowercase(token);
  for (const auto& [header_name, value] : headers) {
    if (header_name != name) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      if (ascii_lowercase(trimmed_http_whitespace(rest.substr(0, comma))) == wanted) return true;
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return false;
}

std::size_t http_head_size(std::string_view received) {
  for (std::size_t at = received.find('\n'); at != std::string_view::npos; at = received.find('\n', at + 1)) {
    if (received.substr(at + 1).starts_with("\r\n")) return at + 3;
    if (received.substr(at + 1).starts_with("\n")) return at + 2;
  }
  return 0;
}

bool starts_like_http(std::string_view received) {
  const std::size_t compared = std::min(received.size(), http_prefix.size());
  return received.substr(0, compared) == http_prefix.substr(0, compared);
}

std::optional<HttpResponse> parse_http_response(std::string_view head) {
  HttpResponse response;
  std::string_view rest = head;
  const std::string_view status_line = next_http_line(rest);
  const std::optional<int> status = status_of(status_line);
  if (!status) return std::nullopt;
  response.status = *status;
  response.status_line = printable(status_line);
  for (std::string_view line = next_http_line(rest); !line.empty(); line = next_http_line(rest)) {
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = line.substr(0, colon);
    if (!is_http_token(name)) return std::nullopt;
    response.headers.emplace_back(ascii_lowercase(name),
                                  printable(trimmed_http_whitespace(line.substr(colon + 1))));
  }
  return response;
}

std::string_view next_http_line(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

bool is_http_token(std::string_view text) {
  const auto tchar = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
  };
  return !text.empty() && std::all_of(text.begin(), text.end(), tchar);
}

std::string_view trimmed_http_whitespace(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return text;
}

}  // namespace mq
