#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mq {

/// The parts of an -L/--url value: mqtt[s]://[user[:password]@]host[:port]/topic.
struct BrokerUrl {
  bool tls = false;  // mqtts://
  std::string host;
  std::optional<int> port;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string topic;
};

/// Parses an -L/--url value; throws a usage Error saying which part is wrong.
/// IPv6 hosts are written in brackets (mqtt://[::1]:1883/t); %XX escapes in the user name and
/// password are decoded (so they can hold @ : /); the topic is taken verbatim.
BrokerUrl parse_broker_url(std::string_view text);

}  // namespace mq
