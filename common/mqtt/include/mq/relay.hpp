#pragma once

#include <poll.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/tunnel.hpp"
#include "mq/tunnel_opening.hpp"

struct wslay_event_context;

// libmosquitto 2.0 speaks MQTT over TCP, TLS and Unix sockets only. For WebSockets and HTTP
// proxies it connects to a private Unix socket instead, and the Relay carries its bytes to the
// broker over a Tunnel: as WebSocket binary frames (RFC 6455) or, through a proxy without
// WebSockets, as they are. The relay is driven by the loop that drives the session: the
// session's own (poll()), or an external one such as mqbench's (epoll), which also drives the
// opening (RelayOpening) so that no connection blocks the others.
namespace mq {

class Relay;
class TlsContext;

/// Whether a server that closes the connection at our WebSocket handshake is looked at once more
/// (a plain MQTT CONNECT, up to 2 s, blocking) to tell a plain MQTT port from another protocol.
enum class SilenceDiagnosis { look_again, none };

/// Opening a relay without blocking: the tunnel (TunnelOpening), then the WebSocket handshake.
class RelayOpening {
public:
  /// Starts connecting; throws the Error of a name that does not resolve.
  RelayOpening(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
               TunnelClock::time_point deadline, SilenceDiagnosis diagnosis);
  /// Makes every step that can be made without blocking; throws the Error that says what failed,
  /// a step not done by its deadline included.
  void advance();
  bool done() const { return done_; }
  OpeningWait wait() const;
  /// Changes when the socket of wait() is a new one (see TunnelOpening::sockets_opened).
  unsigned sockets_opened() const { return tunnel_.sockets_opened(); }
  /// The relay, listening on its Unix socket for libmosquitto; after done().
  std::unique_ptr<Relay> finish();

private:
  void start_handshake();

  const ClientOptions& options_;
  ConnectAttempt attempt_;
  SilenceDiagnosis diagnosis_;
  TunnelOpening tunnel_;
  Tunnel opened_;
  std::string key_;
  std::optional<HttpExchange> handshake_;
  std::string subprotocol_;
  std::string http_status_;  // of the handshake's answer
  bool done_ = false;
};

/// One relayed connection: the Unix socket libmosquitto connects to, and the tunnel.
class Relay {
public:
  /// Opens the tunnel to the broker (through the proxy, with TLS, with the WebSocket handshake)
  /// and listens on a new Unix socket in a private directory, blocking until done, the deadline
  /// or a stop signal. Throws the Error that says what failed.
  static std::unique_ptr<Relay> open(const ClientOptions& options, const ConnectAttempt& attempt,
                                     TlsContext* tls, TunnelClock::time_point deadline);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  /// The path libmosquitto connects to.
  const std::string& socket_path() const { return socket_path_; }
  /// Takes libmosquitto's connection (its connect call has returned) and removes the path, so
  /// that nothing else can connect.
  void accept_client();
  /// Appends the relay's two entries to a poll set: libmosquitto's connection, then the tunnel
  /// (each with fd -1 once closed: it then left any epoll set).
  void add_watches(std::vector<pollfd>& watched) const;
  /// The same two entries, for an epoll set.
  std::array<pollfd, 2> watches() const;
  /// Whether the relay has work without waiting (input decrypted or received ahead).
  bool has_buffered_input() const;
  /// Moves what the events poll reported for the two entries allow, both ways, without
  /// blocking; returns whether libmosquitto was handed new bytes to read.
  bool pump(short client_events, short tunnel_events);
  /// Whether bytes are still on their way: libmosquitto's last packets (its DISCONNECT) to the
  /// broker, or the broker's to libmosquitto. A broker that does not close its end within a
  /// grace after libmosquitto closed its own is not waited for any longer.
  bool active() const;
  /// Why the broker's side ended, when it says more than a lost connection (a close code).
  const std::optional<Error>& failure() const { return failure_; }
  /// The subprotocol the server agreed to ("" for none or without WebSockets).
  const std::string& subprotocol() const { return subprotocol_; }
  /// The status line of the server's answer to the WebSocket handshake ("" without WebSockets).
  const std::string& http_status() const { return http_status_; }
  /// The socket of the tunnel: to the broker, or to the proxy.
  int tunnel_socket() const { return tunnel_.fd(); }

private:
  friend struct RelayCallbacks;
  friend class RelayOpening;
  Relay(Tunnel tunnel, const Endpoint& broker);
  void listen_privately();
  void start_framing();
  void read_client();
  bool write_client();
  void exchange_with_broker(bool readable);
  void read_ahead();
  void hold_unframed();
  bool input_waiting() const;
  void end_tunnel(int error_number);
  void close_client();
  void close_ended();

  Tunnel tunnel_;
  Endpoint broker_;
  std::string directory_;
  std::string socket_path_;
  int listener_fd_ = -1;
  int client_fd_ = -1;
  wslay_event_context* framing_ = nullptr;  // null: the bytes go as they are
  // What the tunnel gave ahead of wslay, which asks for 4 KiB at a time (one read a turn): in
  // the thread's buffer during a turn, in held_ when wslay left some for the next.
  std::string_view read_ahead_;
  std::string held_;
  bool ahead_in_shared_buffer_ = false;
  std::string to_client_;      // from the broker, for libmosquitto
  std::string to_broker_;      // from libmosquitto, without framing
  bool client_ended_ = false;  // libmosquitto closed its end
  TunnelClock::time_point client_ended_at_;
  bool close_sent_ = false;  // our WebSocket close frame is queued
  bool tunnel_ended_ = false;
  int frame_opcode_ = 0;  // of the frame being received
  std::string subprotocol_;
  std::string http_status_;
  std::optional<Error> failure_;
};

}  // namespace mq
