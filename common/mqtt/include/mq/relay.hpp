#pragma once

#include <poll.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mq/client_options.hpp"
#include "mq/tunnel.hpp"

struct wslay_event_context;

// libmosquitto 2.0 speaks MQTT over TCP, TLS and Unix sockets only. For WebSockets and HTTP
// proxies it connects to a private Unix socket instead, and the Relay carries its bytes to the
// broker over a Tunnel: as WebSocket binary frames (RFC 6455) or, through a proxy without
// WebSockets, as they are. The relay is driven by the loop that drives the session (poll()).
namespace mq {

class TlsContext;

/// One relayed connection: the Unix socket libmosquitto connects to, and the tunnel.
class Relay {
public:
  /// Opens the tunnel to the broker (through the proxy, with TLS, with the WebSocket handshake)
  /// and listens on a new Unix socket in a private directory. Throws the Error that says what
  /// failed.
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
  /// (each with fd -1 when it needs no watching now).
  void add_watches(std::vector<pollfd>& watched) const;
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
  Relay(Tunnel tunnel, const Endpoint& broker);
  void listen_privately();
  void start_framing();
  void read_client();
  bool write_client();
  void exchange_with_broker(bool readable);
  void read_ahead();
  bool input_waiting() const;
  void end_tunnel(int error_number);
  void close_client();

  Tunnel tunnel_;
  Endpoint broker_;
  std::string directory_;
  std::string socket_path_;
  int listener_fd_ = -1;
  int client_fd_ = -1;
  wslay_event_context* framing_ = nullptr;  // null: the bytes go as they are
  // What the tunnel gave ahead of wslay, which asks for 4 KiB at a time: one read a turn.
  std::vector<char> read_ahead_;
  std::size_t read_ahead_begin_ = 0;
  std::size_t read_ahead_end_ = 0;
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
