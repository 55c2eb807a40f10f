#include "mq/addresses.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>

namespace mq {
namespace {

struct AddressInfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};
using AddressInfo = std::unique_ptr<addrinfo, AddressInfoDeleter>;

struct Numeric {
  int family = 0;
  std::string text;
};

std::string numeric_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  else if (address->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  return text;
}

// The distinct numeric addresses of `name` in the resolver's order, or its EAI_* error.
int lookup(const std::string& name, std::vector<Numeric>& found) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (const int error = getaddrinfo(name.c_str(), nullptr, &hints, &raw); error != 0) return error;
  const AddressInfo list{raw};
  for (const addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
    Numeric address{entry->ai_family, numeric_text(entry->ai_addr)};
    bool seen = false;
    for (const Numeric& earlier : found)
      seen = seen || earlier.text == address.text;
    if (!seen) found.push_back(std::move(address));
  }
  return 0;
}

}  // namespace

Resolution resolve_broker(const std::string& host, const std::string& bind_address) {
  Resolution resolution;
  std::vector<Numeric> brokers;
  if ((resolution.lookup_error = lookup(host, brokers)) != 0) return resolution;
  std::vector<Numeric> locals;
  if (!bind_address.empty() && (resolution.lookup_error = lookup(bind_address, locals)) != 0) {
    resolution.bind_failed = true;
    return resolution;
  }
  for (const Numeric& broker : brokers) {
    if (bind_address.empty()) {
      resolution.targets.push_back({broker.text, ""});
      continue;
    }
    const Numeric* local = nullptr;
    for (const Numeric& candidate : locals)
      if (!local && candidate.family == broker.family) local = &candidate;
    if (local)
      resolution.targets.push_back({broker.text, local->text});
    else
      resolution.unpaired.push_back(broker.text);
  }
  return resolution;
}

std::string address_list(const std::vector<std::string>& addresses) {
  std::string text;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) text += i + 1 == addresses.size() ? " and " : ", ";
    text += addresses[i];
  }
  return text;
}

}  // namespace mq
