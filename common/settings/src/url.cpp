#include "mq/url.hpp"

#include <fmt/format.h>

#include <charconv>

#include "mq/error.hpp"

namespace mq {
namespace {

constexpr std::string_view url_form = "mqtt[s]://[user[:password]@]host[:port]/topic";

[[noreturn]] void reject(std::string_view text, std::string_view why) {
  throw usage_error(fmt::format("--url '{}' is not valid: {}", text, why),
                    fmt::format("write it as {}", url_form));
}

int parse_port(std::string_view url, std::string_view digits) {
  int port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port < 1 || port > 65535)
    reject(url, fmt::format("the port '{}' is not a number from 1 to 65535", digits));
  return port;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded, so that a user name or password can hold '@', ':' or '/' (RFC 3986).
std::string percent_decoded(std::string_view url, std::string_view part, std::string_view what) {
  std::string decoded;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] != '%') {
      decoded += part[i];
      continue;
    }
    if (i + 2 >= part.size())
      reject(url, fmt::format("the {} has a '%' that is not followed by two hex digits", what));
    const int first = hex_digit(part[i + 1]);
    const int second = hex_digit(part[i + 2]);
    if (first < 0 || second < 0)
      reject(url, fmt::format("the {} has a '%' that is not followed by two hex digits", what));
    decoded += static_cast<char>(first * 16 + second);
    i += 2;
  }
  return decoded;
}

void parse_user_info(std::string_view url, std::string_view info, BrokerUrl& result) {
  const std::size_t colon = info.find(':');
  const std::string_view user = info.substr(0, colon);
  if (user.empty()) reject(url, "the user name before '@' is empty");
  result.username = percent_decoded(url, user, "user name");
  if (colon != std::string_view::npos)
    result.password = percent_decoded(url, info.substr(colon + 1), "password");
}

void parse_host_port(std::string_view url, std::string_view host_port, BrokerUrl& result) {
  std::string_view rest;
  if (host_port.starts_with('[')) {
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) reject(url, "the IPv6 address lacks its closing ']'");
    result.host = std::string{host_port.substr(1, close - 1)};
    rest = host_port.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':'))
      reject(url, "only ':port' may follow an IPv6 address in brackets");
  } else {
    const std::size_t colon = host_port.find(':');
    result.host = std::string{host_port.substr(0, colon)};
    if (colon != std::string_view::npos) rest = host_port.substr(colon);
  }
  if (result.host.empty()) reject(url, "the host is empty");
  if (!rest.empty()) result.port = parse_port(url, rest.substr(1));
}

}  // namespace

BrokerUrl parse_broker_url(std::string_view text) {
  BrokerUrl result;
  std::string_view rest;
  if (text.starts_with("mqtt://")) {
    rest = text.substr(7);
  } else if (text.starts_with("mqtts://")) {
    rest = text.substr(8);
    result.tls = true;
  } else {
    reject(text, "it must start with mqtt:// or mqtts://");
  }
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size())
    reject(text, "the topic after the host is missing");
  std::string_view authority = rest.substr(0, slash);
  result.topic = std::string{rest.substr(slash + 1)};

  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parse_user_info(text, authority.substr(0, at), result);
    authority = authority.substr(at + 1);
  }
  parse_host_port(text, authority, result);
  return result;
}

}  // namespace mq
