#pragma once

#include <poll.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mq/addresses.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"
#include "mq/library.hpp"
#include "mq/message.hpp"
#include "mq/port_probe.hpp"
#include "mq/reconnect.hpp"
#include "mq/translate.hpp"

struct mosquitto;

namespace mq {

class SocketBuffering;
class Relay;
class RelayOpening;
class TlsContext;

using Clock = std::chrono::steady_clock;

/// A duration given in (fractional) seconds on the command line, as the clock counts it.
inline Clock::duration seconds(double count) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(count));
}

/// The earlier of two times, either of which may be unset ("no time").
inline std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a,
                                                 std::optional<Clock::time_point> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

/// What the broker said when it accepted us.
struct ConnackInfo {
  ProtocolVersion protocol;
  bool session_present;
  const mosquitto_property* properties;  // v5 CONNACK properties; valid during the callback
};

/// What a session reports to its tool. Called from inside the libmosquitto loop: handlers must
/// not throw; a handler that finds a failure calls Session::fail().
class SessionEvents {
public:
  virtual ~SessionEvents() = default;
  /// CONNACK accepted (also after each reconnect).
  virtual void on_connected(const ConnackInfo&) {}
  virtual void on_message(const Message&) {}
  /// A publish finished: QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP; reason >= 0x80 is a refusal.
  virtual void on_publish_done(int /*mid*/, int /*reason_code*/) {}
  /// SUBACK: one granted QoS or reason code per filter, in request order.
  virtual void on_subscribed(int /*mid*/, std::span<const int> /*granted*/) {}
  virtual void on_unsubscribed(int /*mid*/) {}
  /// Every packet that could be read without blocking has been handled: a good time to flush.
  virtual void on_input_drained() {}
  /// An established connection broke and the session is reconnecting (see ReconnectPolicy).
  virtual void on_connection_lost() {}
};

/// More work for the session's own loop: descriptors to watch (e.g. standard input) and a step
/// to run every turn.
struct LoopExtras {
  struct Watch {
    int fd = -1;
    std::function<bool()> wanted;    // watch fd this turn?
    std::function<void()> on_ready;  // fd is readable (or at end)
  };
  std::vector<Watch> watches;
  /// Runs every turn before waiting; returns when it next has work (nullopt: on events only).
  std::function<std::optional<Clock::time_point>()> each_turn;
};

/// What an external loop driving many sessions (mqbench) sets per session instead of taking it
/// from the options: each client its own id, and one TLS context shared by many sessions of one
/// thread, because building a context per client (CA store, key) costs milliseconds and memory.
struct SessionOverrides {
  std::string client_id;            // empty: from -i/-I as usual
  std::shared_ptr<TlsContext> tls;  // null: the session builds its own; shared, the handshake facts
                                    // used by diagnostics may mix between its sessions
};

/// What became of a publish request: its message id, or why this one message cannot be sent
/// at all (too large for MQTT or for the broker), which leaves the session able to send others.
struct PublishResult {
  int mid = 0;
  std::optional<Error> refused;
};

/// How a run of the session's own loop ended.
enum class LoopExit { done, timed_out, interrupted };

/// One MQTT client connection over libmosquitto, used by every tool. It runs its own poll loop
/// (run_until), or is driven by an external event loop through socket(), wants_write() and the
/// handle_* calls. Failures found in callbacks are recorded with fail() and rethrown by the loop.
class Session {
public:
  Session(const ClientOptions& options, SessionEvents& events);
  Session(const ClientOptions& options, SessionEvents& events, SessionOverrides overrides);
  // The session keeps a reference to its options: a temporary would be gone before it.
  Session(ClientOptions&& options, SessionEvents& events) = delete;
  Session(ClientOptions&& options, SessionEvents& events, SessionOverrides overrides) = delete;
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // --- connecting ---
  /// Connects and waits for CONNACK within --connect-timeout, falling back from v5 to v3.1.1
  /// when the broker refuses v5 and -V was not given. Throws Error on failure.
  void connect();
  /// Starts connecting without waiting, for external loops: until on_connected, call
  /// handle_readable() and handle_writable() on any event of socket().
  ///
  /// Every connection tries each address the host name resolves to, in the resolver's order
  /// (::1 before 127.0.0.1 where /etc/hosts lists both), paired with a -A address of the same
  /// family: an address whose TCP connect is refused, unreachable, or not done within its share
  /// of --connect-timeout makes way for the next one. The socket then changes (socket_serial()).
  void start_connect();
  /// Whether CONNACK accepted the connection and it is still up.
  bool connected() const { return connected_; }
  /// Sends DISCONNECT and waits briefly until it is written (see also linger_on_disconnect()).
  void disconnect();
  /// Sends DISCONNECT without waiting, also from inside a handler: what arrives after it is not
  /// acknowledged, so a persistent session keeps it. External loops see socket() become -1 once
  /// it is written; disconnect() then only waits. Returns false when there is no connection.
  bool request_disconnect();
  /// Makes disconnect() also wait (within its grace) until the broker closes the connection
  /// after the DISCONNECT: proof that it handled every packet before it, such as the
  /// acknowledgements a persistent session depends on. Without it the socket can close with
  /// input unread, which resets the connection and drops what the broker had not read yet.
  void linger_on_disconnect() { linger_ = true; }
  /// Reads and writes the socket through `buffers`, usually process_socket_buffers() (see
  /// socket_buffers.hpp):
  /// far fewer system calls for a stream of small messages. Call before connect(); an external
  /// loop then also asks has_buffered_input().
  void enable_socket_buffers(SocketBuffering& buffers) { socket_buffers_ = &buffers; }
  /// Under a steady stream, starts reading at most once per `window`, so that one wakeup
  /// handles many messages: less CPU per message for at most `window` more latency. A message
  /// after a quiet spell, or a stream too heavy to read within the window, is not delayed.
  void coalesce_reads(std::chrono::microseconds window) { read_window_ = window; }

  // --- requests (return the message id) ---
  /// Publishes; throws the refusal of try_publish() too.
  int publish(const std::string& topic, std::string_view payload, int qos, bool retain,
              const mosquitto_property* properties = nullptr);
  /// Publishes, or returns why this message cannot be sent: its packet is larger than MQTT
  /// allows or than the broker's maximum packet size (MQTT v5 CONNACK). Throws other failures.
  PublishResult try_publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                            const mosquitto_property* properties = nullptr);
  int subscribe(const std::vector<std::string>& filters, int qos, int options = 0,
                const mosquitto_property* properties = nullptr);
  int unsubscribe(const std::vector<std::string>& filters, const mosquitto_property* properties = nullptr);

  // --- the session's own loop ---
  /// Runs the loop until `done()` is true, the deadline passes or a stop signal arrives.
  /// Throws the first recorded failure.
  LoopExit run_until(const std::function<bool()>& done, std::optional<Clock::time_point> deadline = {},
                     LoopExtras* extras = nullptr);
  /// Like run_until, but ignores stop signals (and the deadline is required): for finishing
  /// outstanding work after one arrived. Returns whether `done()` became true.
  bool finish_until(const std::function<bool()>& done, Clock::time_point deadline,
                    LoopExtras* extras = nullptr);
  /// Reconnect after a lost connection instead of failing (the default is to fail).
  void set_reconnect_policy(ReconnectPolicy policy) { reconnect_.set_policy(policy); }

  // --- external loops ---
  /// The socket to watch, or -1 when not connected.
  int socket() const;
  /// Changes whenever the session opens a new socket, even one with the number of a closed one:
  /// an external loop then registers it again.
  unsigned socket_serial() const { return socket_serial_; }
  /// Whether the loop should watch for writability.
  bool wants_write() const;
  /// Call when socket() is readable: handles every packet available without blocking.
  void handle_readable();
  /// Whether input waits in the socket's buffer (enable_socket_buffers), which does not make the
  /// socket readable: call handle_readable() again without waiting for it.
  bool has_buffered_input() const;
  /// Call when socket() is writable.
  void handle_writable();
  /// While on, what the session writes is gathered in its socket's buffer (enable_socket_buffers)
  /// until it is turned off: a burst of small packets leaves with one system call, as full
  /// segments, instead of one call and one segment each. Does nothing without the buffers.
  void batch_writes(bool on);
  /// Call at least once a second: keepalive and retries (and the connect timeout of a relay
  /// being opened).
  void handle_housekeeping();
  /// Whether the connection is open: socket(), or a relay still carrying the last bytes (the
  /// DISCONNECT) after libmosquitto closed socket().
  bool open() const;
  /// A relayed session (WebSockets, a proxy) also has the relay's two descriptors, to watch as
  /// poll would (fd -1: none; a closed descriptor has left any epoll set): while the relay is
  /// being opened, only the second, its tunnel; then libmosquitto's connection at the relay and
  /// the tunnel. Until the relay is open socket() is -1.
  std::array<pollfd, 2> relay_watches() const;
  /// Changes whenever a relay descriptor is a new one, even with the number of a closed one.
  unsigned relay_serial() const { return relay_serial_; }
  /// Call with the events (as poll's revents, 0 for none) of the relay_watches() entries.
  void handle_relay(short client_events, short tunnel_events);

  // --- failures ---
  /// Records the first failure; the loop stops and rethrows it.
  void fail(Error failure);
  bool failed() const { return failure_.has_value(); }
  /// Throws the recorded failure, if any.
  void rethrow_if_failed() const;

  /// The protocol version in use (after any fallback).
  ProtocolVersion protocol() const { return attempt_.protocol; }
  /// The maximum packet size the broker announced in its last CONNACK (MQTT v5); 0: none.
  std::uint32_t broker_maximum_packet_size() const { return broker_maximum_packet_size_; }
  /// The broker as the user addressed it.
  const Endpoint& endpoint() const { return attempt_.endpoint; }
  /// The client id sent in CONNECT: -i, -I with the process id, or "" to let the broker choose.
  std::string client_id() const;
  /// The TLS context and what its handshakes observed; nullptr without TLS.
  const TlsContext* tls() const { return tls_.get(); }
  /// The relay of the current connection (WebSockets or a proxy), or null.
  const Relay* relay() const { return relay_.get(); }
  /// The underlying handle, for calls the session does not wrap.
  mosquitto* native() const { return handle_.get(); }

private:
  friend struct SessionCallbacks;
  struct HandleDeleter {
    void operator()(mosquitto* handle) const;
  };

  void configure();
  void configure_will();
  bool may_fall_back() const;
  void fall_back_to_v311();
  void open_connection();
  void begin_attempt();
  void start_relay_opening();
  void advance_relay_opening();
  void dial();
  void store_connect_properties();
  bool tcp_connect_done();
  int failed_connect_error(int fd) const;
  bool tls_handshaking() const;
  bool has_unsent_output() const;  // written bytes the kernel has not taken yet (socket buffers)
  void open_relay();
  void poll_relay_only(int timeout_ms);
  void give_up_address(int error_number);
  void end_attempt(int mosq_rc, int error_number);
  void close_socket();
  void poll_once(int timeout_ms, bool wake_on_stop_signal, LoopExtras* extras);
  void start_reconnecting(const Error& cause);
  void wait_and_reconnect(int timeout_ms, bool wake_on_stop_signal);
  void record_loop_result(int mosq_rc);
  void note_connack(int reason_code, int flags, const mosquitto_property* properties);
  void note_disconnect(int rc, int error_number, const mosquitto_property* properties = nullptr);
  void await_broker_close(Clock::time_point deadline);

  MosquittoLibrary library_;
  const ClientOptions& options_;
  SessionEvents& events_;
  std::shared_ptr<TlsContext> tls_;
  bool relayed_ = false;                         // WebSockets or an HTTP proxy: libmosquitto talks to relay_
  std::unique_ptr<Relay> relay_;                 // the current connection's, when relayed
  std::unique_ptr<RelayOpening> relay_opening_;  // an external loop's relay being opened
  unsigned relay_serial_ = 0;
  unsigned relay_sockets_seen_ = 0;  // of relay_opening_
  std::string client_id_override_;
  std::unique_ptr<mosquitto, HandleDeleter> handle_;
  ConnectAttempt attempt_;
  std::vector<DialTarget> targets_;     // the addresses of the connection being made
  std::size_t target_ = 0;              // the one being tried
  std::vector<std::string> tried_;      // addresses given up, in order
  bool tcp_established_ = false;        // the current socket's TCP connect completed
  int dial_errno_ = 0;                  // errno as the connect call left it
  Clock::time_point connect_deadline_;  // --connect-timeout of the connection being made
  Clock::time_point target_deadline_;   // when the current address has had its share of it
  unsigned socket_serial_ = 0;
  Properties connect_properties_;
  std::optional<Error> failure_;
  bool connected_ = false;
  std::uint32_t broker_maximum_packet_size_ = 0;
  bool loss_reported_ = false;  // note_disconnect ran for the current connection
  ReconnectSchedule reconnect_;
  Clock::time_point connected_at_;  // CONNACK of the current connection
  bool disconnecting_ = false;
  bool linger_ = false;
  int lingering_fd_ = -1;  // our own reference to the socket, kept past libmosquitto's close
  bool fallback_wanted_ = false;
  bool answered_ = false;                      // a CONNACK arrived on this connection
  SecondLook second_look_ = SecondLook::none;  // how to settle an ambiguous failure to connect
  SocketBuffering* socket_buffers_ = nullptr;  // null: libmosquitto reads and writes the socket itself
  std::chrono::microseconds read_window_{0};
  Clock::time_point reads_resume_{};
};

}  // namespace mq
