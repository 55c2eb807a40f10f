#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mq {

/// The parts of an -L/--url value: (mqtt|mqtts|ws|wss)://[user[:password]@]host[:port]/topic.
struct BrokerUrl {
  bool tls = false;        // mqtts:// or wss://
  bool websocket = false;  // ws:// or wss://
  std::string host;
  std::optional<int> port;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string topic;
};

/// Parses an -L/--url value as mosquitto 2.1's clients do; throws a usage Error saying which part
/// is wrong. Over ws:// and wss:// what follows the host is the topic too (the HTTP path is
/// --ws-path's).
/// IPv6 hosts are written in brackets (mqtt://[::1]:1883/t); %XX escapes in the user name and
/// password are decoded (so they can hold @ : /); the topic is taken verbatim.
BrokerUrl parse_broker_url(std::string_view text);

/// A --proxy value: http://[user:pass@]host:port (HTTP CONNECT) or socks5h://[user:pass@]host[:port]
/// (SOCKS5, the name resolved by the proxy; port 1080 by default).
struct ProxyUrl {
  enum class Kind { http, socks5 };
  Kind kind = Kind::http;
  std::string host;
  int port = 0;
  std::optional<std::string> username;
  std::optional<std::string> password;

  /// The URL as a message shows it: the password masked ("http://alice:***@proxy:3128").
  std::string text() const;
};

/// Parses a --proxy (or MQ_PROXY, named by `source`) value; throws a usage Error saying which
/// part is wrong.
ProxyUrl parse_proxy_url(std::string_view text, std::string_view source = "--proxy");

}  // namespace mq
