#pragma once

#include <poll.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mq/addresses.hpp"
#include "mq/client_options.hpp"
#include "mq/http_response.hpp"
#include "mq/translate.hpp"
#include "mq/tunnel.hpp"

// Opening a Tunnel without blocking: a state machine that a loop moves on whenever its socket is
// ready (or its deadline passed), so that one thread opens thousands of tunnels at once
// (mqbench), or waits for one with poll() (open_blocking, for a session's own loop). The steps:
// the TCP connect to each address of the broker (or of the proxy) in turn, the proxy's CONNECT
// (HTTP or SOCKS5), the TLS handshake.
namespace mq {

class TlsContext;

/// What an opening waits for before it can go on: `fd` ready for `events` (POLLIN, POLLOUT), or
/// the time `until`, at which advance() gives up the step.
struct OpeningWait {
  int fd = -1;
  short events = 0;
  TunnelClock::time_point until;
};

/// One HTTP request sent over a tunnel being opened, and the head of its answer read, without
/// blocking. What follows the head is left in the tunnel, to be read as its first bytes.
class HttpExchange {
public:
  /// `peer` names who answers, for messages; -d shows both heads, with the values of the
  /// `masked` headers (lower-case names) hidden. `on_silence`: the error of a connection that
  /// ends without a byte of answer.
  HttpExchange(std::string request, std::string peer, std::function<Error()> on_silence,
               std::vector<std::string> masked, double timeout_seconds);
  /// Sends and reads what can be without blocking; returns the answer once its head is complete.
  /// Throws on an end without an answer, or an answer that is not HTTP or too large.
  std::optional<HttpResponse> advance(Tunnel& tunnel);
  /// POLLOUT while the request is being sent, then POLLIN.
  short events() const { return sent_ < request_.size() ? POLLOUT : POLLIN; }
  /// The Error of an answer that did not come in time.
  Error timeout_error() const;

private:
  std::string request_;
  std::string peer_;
  std::function<Error()> on_silence_;
  std::vector<std::string> masked_;
  double timeout_seconds_;
  std::size_t sent_ = 0;
  std::string received_;
};

/// Opens the tunnel of one connection attempt, step by step.
class TunnelOpening {
public:
  /// Resolves the broker's name (or the proxy's) and starts connecting to its first address.
  /// Throws the Error that says what failed (a name that does not resolve).
  TunnelOpening(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
                TunnelClock::time_point deadline);
  TunnelOpening(TunnelOpening&&) = default;
  TunnelOpening& operator=(TunnelOpening&&) = delete;
  TunnelOpening(const TunnelOpening&) = delete;
  TunnelOpening& operator=(const TunnelOpening&) = delete;

  /// Makes every step that can be made without blocking. Throws the Error that says what failed:
  /// a step not done by its deadline included, when called after it.
  void advance();
  /// Whether the tunnel is open: take() it.
  bool done() const { return step_ == Step::done; }
  OpeningWait wait() const;
  /// How many sockets it opened so far: one per address tried. A loop that watches fd() by its
  /// number registers it again when this changes, since a new socket may reuse a closed one's.
  unsigned sockets_opened() const { return sockets_opened_; }
  /// The open tunnel; after done().
  Tunnel take() { return std::move(tunnel_); }

private:
  enum class Step {
    connecting,
    proxy_http,
    socks_method,
    socks_login,
    socks_reply,
    socks_name_length,
    socks_address,
    tls,
    done
  };
  void connect_next_address();
  void check_connected();
  void give_up_address(int error_number);
  void after_tcp_connect();
  void start_socks();
  void advance_socks();
  bool exchange_bytes();
  void expect_bytes(std::string bytes_to_send, std::size_t size_to_receive);
  void start_tls();
  void advance_tls();
  void after_proxy();
  Error timeout_error() const;

  const ClientOptions& options_;
  ConnectAttempt attempt_;
  TlsContext* tls_;
  TunnelClock::time_point deadline_;
  Step step_ = Step::connecting;
  Tunnel tunnel_;
  // Connecting: the addresses of the host (the broker's, or the proxy's), and the one tried.
  Resolution resolution_;
  std::size_t target_ = 0;
  TunnelClock::time_point target_deadline_;
  int connect_errno_ = 0;
  unsigned sockets_opened_ = 0;
  // The proxy's handshake: an HTTP exchange, or SOCKS5's bytes to send and to receive.
  std::optional<HttpExchange> proxy_exchange_;
  std::string outgoing_;
  std::size_t sent_ = 0;
  std::string incoming_;
  std::size_t wanted_ = 0;
  bool tls_wants_write_ = false;
};

/// Waits, in a loop of its own, until `wait` is over: its socket ready or its time reached. A stop
/// signal ends the wait with the interrupted Error.
void wait_blocking(const OpeningWait& wait);

}  // namespace mq
