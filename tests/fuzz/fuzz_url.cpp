// Feeds arbitrary text to the -L URL parser. Properties: it parses or throws a usage Error; a
// parsed URL has a host, a topic and a port from 1 to 65535 if any; and it round-trips: the
// code has no URL printer, so `written` below writes one as a user would (brackets around an
// IPv6 host, %XX escapes in the user name and password), and that text parses to the same URL.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/url.hpp"

namespace {

bool operator==(const mq::BrokerUrl& a, const mq::BrokerUrl& b) {
  return a.tls == b.tls && a.websocket == b.websocket && a.host == b.host && a.port == b.port &&
         a.username == b.username && a.password == b.password && a.topic == b.topic;
}

// Every byte but letters and digits as %XX: safe in the user name and password.
std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += plain ? std::string(1, c) : fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

std::string written(const mq::BrokerUrl& url) {
  std::string text = fmt::format("{}{}://", url.websocket ? "ws" : "mqtt", url.tls ? "s" : "");
  if (url.username) {
    text += escaped(*url.username);
    if (url.password) text += ":" + escaped(*url.password);
    text += "@";
  }
  const bool bracketed = url.host.find(':') != std::string::npos || url.host.starts_with('[');
  text += bracketed ? "[" + url.host + "]" : url.host;
  if (url.port) text += fmt::format(":{}", *url.port);
  return text + "/" + url.topic;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::optional<mq::BrokerUrl> url;
  if (!fuzz::accepted_or_refused_with(mq::Exit::usage, [&] { url = mq::parse_broker_url(text); })) return 0;
  fuzz::check(!url->host.empty() && !url->topic.empty());
  fuzz::check(!url->port || (*url->port >= 1 && *url->port <= 65535));
  fuzz::check(mq::parse_broker_url(written(*url)) == *url);
  return 0;
}
