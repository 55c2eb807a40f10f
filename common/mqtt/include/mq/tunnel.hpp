#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/translate.hpp"

using SSL = struct ssl_st;

// The byte stream mq's relay carries MQTT over: a TCP connection to the broker, perhaps through
// an HTTP CONNECT or a SOCKS5 proxy, perhaps with TLS made through the session's TlsContext (so a failed
// handshake is diagnosed as over mqtts). TunnelOpening (tunnel_opening.hpp) opens it; reading
// and writing it never block.
namespace mq {

class TlsContext;

using TunnelClock = std::chrono::steady_clock;

/// What a non-blocking read or write did.
struct TunnelIo {
  enum class State { moved, would_block, ended };
  State state = State::would_block;
  std::size_t bytes = 0;  // moved: how many
  int error_number = 0;   // ended: errno of a broken connection, 0 for an orderly end
};

/// One open tunnel (TunnelOpening makes it); moves only.
class Tunnel {
public:
  Tunnel() = default;
  Tunnel(Tunnel&& other) noexcept;
  Tunnel& operator=(Tunnel&& other) noexcept;
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;
  ~Tunnel();

  /// The socket, to poll; -1 once closed.
  int fd() const { return fd_; }
  /// Whether a read would return bytes already received (TLS records, what followed an HTTP head)
  /// even though the socket is not readable.
  bool has_buffered_input() const;
  TunnelIo read(char* buffer, std::size_t size);
  TunnelIo write(const char* bytes, std::size_t size);
  /// Gives back bytes read past the end of an HTTP head: the next read returns them first.
  void unread(std::string bytes) { unread_ = std::move(bytes) + unread_; }
  /// Closes the socket (it leaves any epoll set) once the connection ended.
  void close();

private:
  friend class TunnelOpening;
  explicit Tunnel(int fd) : fd_(fd) {}

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string unread_;  // received after an HTTP head: the tunnel's first bytes
};

}  // namespace mq
