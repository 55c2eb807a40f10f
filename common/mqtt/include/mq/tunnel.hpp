#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/http_response.hpp"
#include "mq/translate.hpp"

using SSL = struct ssl_st;

// The byte stream mq's relay carries MQTT over: a TCP connection to the broker, perhaps through
// an HTTP CONNECT or a SOCKS5 proxy, perhaps with TLS made through the session's TlsContext (so a failed
// handshake is diagnosed as over mqtts). Opening it blocks until it is made, the deadline
// passes or a stop signal arrives; reading and writing it never block.
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

/// One open tunnel; moves only.
class Tunnel {
public:
  /// Connects to the broker of `attempt` (or to the proxy of `options.transport` and through it),
  /// then makes the TLS handshake when `tls` is given. Throws the Error that says what failed.
  static Tunnel open(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
                     TunnelClock::time_point deadline);
  Tunnel(Tunnel&& other) noexcept;
  Tunnel& operator=(Tunnel&& other) noexcept;
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;
  ~Tunnel();

  /// The socket, to poll.
  int fd() const { return fd_; }
  /// Whether a read would return bytes already received (TLS records, what followed an HTTP head)
  /// even though the socket is not readable.
  bool has_buffered_input() const;
  TunnelIo read(char* buffer, std::size_t size);
  TunnelIo write(const char* bytes, std::size_t size);
  /// Sends `request` and reads the HTTP head that answers it (what follows the head stays to be
  /// read). `peer` names who answers, for messages; -d shows both heads, with the values of the
  /// `masked` headers (lower-case names) hidden. Throws on a timeout, a stop signal, an end
  /// without an answer (`on_silence`), or an answer that is not HTTP or too large.
  HttpResponse exchange_http(std::string_view request, const std::string& peer,
                             const std::function<Error()>& on_silence,
                             const std::vector<std::string>& masked);

private:
  Tunnel(int fd, TunnelClock::time_point deadline) : fd_(fd), deadline_(deadline) {}
  void connect_through_proxy(const ProxyUrl& proxy, const ConnectAttempt& attempt);
  void connect_through_socks(const ProxyUrl& proxy, const ConnectAttempt& attempt);
  void send_all(std::string_view bytes, const Error& on_timeout, const std::function<Error()>& on_end);
  std::string receive_exactly(std::size_t size, const Error& on_timeout,
                              const std::function<Error()>& on_end);
  void start_tls(const ConnectAttempt& attempt, TlsContext& tls);
  void wait_for(short events, const Error& on_timeout);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string unread_;  // received after an HTTP head: the tunnel's first bytes
  TunnelClock::time_point deadline_;
  double timeout_seconds_ = 0;
};

}  // namespace mq
