#pragma once

#include <string>
#include <vector>

// The one address loop's input: every address a broker's name resolves to, each paired with a
// local address of its family when -A/--bind-address is given (as libmosquitto pairs them), in
// the resolver's order (::1 before 127.0.0.1 where /etc/hosts lists both).
namespace mq {

/// One way to reach the broker.
struct DialTarget {
  std::string address;  // numeric, e.g. "::1" or "127.0.0.1"
  std::string bind;     // numeric local address of the same family; "" to let the system choose
};

/// What resolving a broker's name found.
struct Resolution {
  std::vector<DialTarget> targets;    // empty on failure
  int lookup_error = 0;               // getaddrinfo's EAI_* code when the name (or -A's) did not resolve
  bool bind_failed = false;           // the bind address is the one that did not resolve
  std::vector<std::string> unpaired;  // broker addresses left out: no bind address of their family
};

/// Resolves `host` (and `bind_address`, if not empty) for a TCP connection.
Resolution resolve_broker(const std::string& host, const std::string& bind_address);

/// "::1 and 127.0.0.1", "a, b and c": addresses as a sentence.
std::string address_list(const std::vector<std::string>& addresses);

}  // namespace mq
