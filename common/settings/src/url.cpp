#include "mq/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "mq/error.hpp"

namespace mq {
namespace {

// A URL being parsed, with what the messages about it say: which option gave it, and how to
// write it right.
struct UrlText {
  std::string_view text;
  std::string_view source;  // "--url", "--proxy", "MQ_PROXY"
  std::string_view form;
};

constexpr std::string_view broker_form = "mqtt[s]://[user[:password]@]host[:port]/topic (or ws[s]://)";
constexpr std::string_view proxy_form =
    "http://[user:password@]host:port or socks5h://[user:password@]host[:port]";
constexpr int socks_default_port = 1080;

struct Scheme {
  std::string_view prefix;
  bool tls;
  bool websocket;
};
constexpr Scheme broker_schemes[] = {
    {"mqtt://", false, false}, {"mqtts://", true, false}, {"ws://", false, true}, {"wss://", true, true}};

[[noreturn]] void reject(const UrlText& url, std::string_view why) {
  throw usage_error(fmt::format("{} '{}' is not valid: {}", url.source, url.text, why),
                    fmt::format("write it as {}", url.form));
}

int parse_port(const UrlText& url, std::string_view digits) {
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
std::string percent_decoded(const UrlText& url, std::string_view part, std::string_view what) {
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

// The parts of an authority: [user[:password]@]host[:port].
struct Authority {
  std::string host;
  std::optional<int> port;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

void parse_user_info(const UrlText& url, std::string_view info, Authority& result) {
  const std::size_t colon = info.find(':');
  const std::string_view user = info.substr(0, colon);
  if (user.empty()) reject(url, "the user name before '@' is empty");
  result.username = percent_decoded(url, user, "user name");
  if (colon != std::string_view::npos)
    result.password = percent_decoded(url, info.substr(colon + 1), "password");
}

void parse_host_port(const UrlText& url, std::string_view host_port, Authority& result) {
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

Authority parse_authority(const UrlText& url, std::string_view authority) {
  Authority result;
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parse_user_info(url, authority.substr(0, at), result);
    authority = authority.substr(at + 1);
  }
  parse_host_port(url, authority, result);
  return result;
}

}  // namespace

BrokerUrl parse_broker_url(std::string_view text) {
  const UrlText url{text, "--url", broker_form};
  const auto* scheme = std::find_if(std::begin(broker_schemes), std::end(broker_schemes),
                                    [text](const Scheme& s) { return text.starts_with(s.prefix); });
  if (scheme == std::end(broker_schemes))
    reject(url, "it must start with mqtt://, mqtts://, ws:// or wss://");
  const std::string_view rest = text.substr(scheme->prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size())
    reject(url, "the topic after the host is missing");
  Authority authority = parse_authority(url, rest.substr(0, slash));
  return BrokerUrl{.tls = scheme->tls,
                   .websocket = scheme->websocket,
                   .host = std::move(authority.host),
                   .port = authority.port,
                   .username = std::move(authority.username),
                   .password = std::move(authority.password),
                   .topic = std::string{rest.substr(slash + 1)}};
}

ProxyUrl parse_proxy_url(std::string_view text, std::string_view source) {
  const UrlText url{text, source, proxy_form};
  ProxyUrl result;
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("socks5h://")) {
    rest = text.substr(10);
    result.kind = ProxyUrl::Kind::socks5;
  } else if (text.starts_with("socks5://")) {
    reject(url, "the SOCKS5 proxy resolves the broker's name: write socks5h://, as mosquitto_pub does");
  } else {
    reject(url, "it must start with http:// (HTTP CONNECT) or socks5h:// (SOCKS5)");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) reject(url, "a proxy URL has no path");
  Authority authority = parse_authority(url, rest);
  if (!authority.port && result.kind == ProxyUrl::Kind::http)
    reject(url, "the proxy's port is missing (HTTP proxies often listen on 3128 or 8080)");
  result.host = std::move(authority.host);
  result.port = authority.port.value_or(socks_default_port);
  result.username = std::move(authority.username);
  result.password = std::move(authority.password);
  return result;
}

std::string ProxyUrl::text() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}{}:{}", kind == Kind::http ? "http" : "socks5h", username ? *username : "",
                     password ? ":***" : "", username ? "@" : "", ipv6 ? "[" + host + "]" : host, port);
}

}  // namespace mq
