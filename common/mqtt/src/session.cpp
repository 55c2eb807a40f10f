#include "mq/session.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "mq/diagnostics.hpp"
#include "mq/packet_size.hpp"
#include "mq/port_probe.hpp"
#include "mq/properties.hpp"
#include "mq/relay.hpp"
#include "mq/signals.hpp"
#include "mq/socket_buffers.hpp"
#include "mq/tls.hpp"
#include "mq/trace.hpp"

namespace mq {
namespace {

constexpr std::uint32_t session_never_expires = UINT32_MAX;
constexpr auto disconnect_grace = std::chrono::seconds(2);
constexpr auto longest_second_look = std::chrono::milliseconds(2000);

// DISCONNECT reasons a new connection may overcome: the broker going down, being busy or
// limiting connections. The others (a refusal, a protocol violation, a second client with
// our id) would only repeat, or make two clients take the session from each other forever.
bool worth_reconnecting(int reason_code) {
  switch (reason_code) {
  case MQTT_RC_UNSPECIFIED:
  case MQTT_RC_IMPLEMENTATION_SPECIFIC:
  case MQTT_RC_SERVER_BUSY:
  case MQTT_RC_SERVER_SHUTTING_DOWN:
  case MQTT_RC_KEEP_ALIVE_TIMEOUT:
  case MQTT_RC_CONNECTION_RATE_EXCEEDED:
  case MQTT_RC_MAXIMUM_CONNECT_TIME:
    return true;
  default:
    return false;
  }
}

// Errors of a TCP connect that another address of the broker may not have. Others (a reset)
// come from a connection that was made, and are the broker's answer.
bool refused_connect(int error_number) {
  switch (error_number) {
  case ECONNREFUSED:
  case ETIMEDOUT:
  case EHOSTUNREACH:
  case ENETUNREACH:
  case EHOSTDOWN:
  case ENETDOWN:
  case EADDRNOTAVAIL:
  case EAFNOSUPPORT:
    return true;
  default:
    return false;
  }
}

}  // namespace

// libmosquitto calls these C callbacks; they never let an exception out and keep errno intact,
// because the code that called into libmosquitto still inspects it.
struct SessionCallbacks {
  template <typename Handler> static void guarded(void* userdata, Handler&& handler) {
    const int saved_errno = errno;
    Session& session = *static_cast<Session*>(userdata);
    try {
      handler(session);
    } catch (const Error& failure) {
      session.fail(failure);
    } catch (const std::exception& bug) {
      session.fail(Error{Exit::internal, fmt::format("internal error: {}", bug.what())});
    }
    errno = saved_errno;
  }

  static void on_connect(mosquitto*, void* userdata, int reason_code, int flags,
                         const mosquitto_property* properties) {
    guarded(userdata, [&](Session& s) {
      trace::connack_received(reason_code, flags, properties, s.attempt_.protocol);
      s.note_connack(reason_code, flags, properties);
    });
  }

  static void on_disconnect(mosquitto*, void* userdata, int rc, const mosquitto_property* properties) {
    const int error_number = errno;
    guarded(userdata, [&](Session& s) {
      trace::connection_ended(rc, error_number, properties);
      s.note_disconnect(rc, error_number, properties);
    });
  }

  static void on_publish(mosquitto*, void* userdata, int mid, int reason_code,
                         const mosquitto_property* properties) {
    guarded(userdata, [&](Session& s) {
      trace::publish_done(mid, reason_code, properties, s.attempt_.protocol);
      s.events_.on_publish_done(mid, reason_code);
    });
  }

  static void on_message(mosquitto*, void* userdata, const mosquitto_message* message,
                         const mosquitto_property* properties) {
    guarded(userdata, [&](Session& s) {
      trace::message_properties(message->mid, properties);
      s.events_.on_message(
          Message{message->topic,
                  {static_cast<const char*>(message->payload), static_cast<std::size_t>(message->payloadlen)},
                  message->qos,
                  message->retain,
                  message->mid,
                  properties});
    });
  }

  static void on_subscribe(mosquitto*, void* userdata, int mid, int count, const int* granted,
                           const mosquitto_property* properties) {
    guarded(userdata, [&](Session& s) {
      const std::span<const int> codes{granted, static_cast<std::size_t>(count)};
      trace::suback_received(mid, codes, properties);
      s.events_.on_subscribed(mid, codes);
    });
  }

  static void on_unsubscribe(mosquitto*, void* userdata, int mid, const mosquitto_property*) {
    guarded(userdata, [&](Session& s) { s.events_.on_unsubscribed(mid); });
  }

  static void on_log(mosquitto*, void* userdata, int level, const char* text) {
    guarded(userdata, [&](Session& s) {
      if (s.tls_ && level == MOSQ_LOG_ERR && std::strstr(text, "OpenSSL") != nullptr)
        s.tls_->record_library_error(text);
      diag::debug("{}", text);
    });
  }
};

void Session::HandleDeleter::operator()(mosquitto* handle) const { mosquitto_destroy(handle); }

Session::Session(const ClientOptions& options, SessionEvents& events)
    : Session(options, events, SessionOverrides{}) {}

Session::Session(const ClientOptions& options, SessionEvents& events, SessionOverrides overrides)
    : options_(options), events_(events), tls_(std::move(overrides.tls)),
      client_id_override_(std::move(overrides.client_id)) {
  const ConnectionOptions& connection = options.connection;
  const bool tls = options.tls.enabled();
  const TransportOptions& transport = options.transport;
  attempt_.endpoint =
      Endpoint{connection.host, connection.effective_port(tls), connection.unix_socket.value_or(""), tls,
               transport.websocket ? transport.path() : ""};
  relayed_ = transport.relayed();
  attempt_.protocol = connection.protocol.value_or(ProtocolVersion::v5);
  attempt_.protocol_given = connection.protocol.has_value();
  attempt_.bind_address = connection.bind_address;
  attempt_.sent_username = options.auth.username.has_value();
  attempt_.username = options.auth.username.value_or("");
  attempt_.sent_password = options.auth.username && options.auth.password;
  if (tls && !tls_) tls_ = std::make_shared<TlsContext>(options.tls, connection.host);
  if (!tls) tls_.reset();
  const std::string id = client_id();
  attempt_.sent_client_id = !id.empty();
  handle_.reset(mosquitto_new(id.empty() ? nullptr : id.c_str(), connection.clean_session, this));
  if (!handle_) throw Error{Exit::internal, "libmosquitto could not create a client", std::strerror(errno)};
  configure();
}

Session::~Session() {
  if (lingering_fd_ >= 0) ::close(lingering_fd_);
}

std::string Session::client_id() const {
  const ConnectionOptions& connection = options_.connection;
  if (!client_id_override_.empty()) return client_id_override_;
  if (!connection.client_id.empty()) return connection.client_id;
  if (!connection.id_prefix.empty()) return fmt::format("{}{}", connection.id_prefix, getpid());
  if (attempt_.protocol == ProtocolVersion::v31) return fmt::format("{}-{}", diag::program(), getpid());
  return {};  // MQTT v3.1.1 and v5 let the broker choose
}

void Session::configure() {
  mosquitto* handle = handle_.get();
  const ConnectionOptions& connection = options_.connection;
  mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, static_cast<int>(attempt_.protocol));
  mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, connection.max_inflight);
  // mosquitto 2.0 can have more than 20 incoming QoS 2 messages awaiting PUBREL (it frees its
  // quota at PUBREC); with libmosquitto's default limit of 20 that ends the connection as a
  // protocol error. Accepting the MQTT maximum keeps fast QoS 2 subscribers connected.
  mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, UINT16_MAX);
  if (connection.nodelay) mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1);
  if (tls_ && !relayed_) {
    // Without the defaults libmosquitto uses our context as configured (design.md §5).
    mosquitto_int_option(handle, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    mosquitto_void_option(handle, MOSQ_OPT_SSL_CTX, tls_->native());
  }

  const AuthOptions& auth = options_.auth;
  if (auth.username) {
    const int rc = mosquitto_username_pw_set(handle, auth.username->c_str(),
                                             auth.password ? auth.password->c_str() : nullptr);
    if (rc != MOSQ_ERR_SUCCESS) throw request_error(rc, "use this username and password");
  }
  configure_will();

  connect_properties_ = connection.connect_properties;
  if (connection.session_expiry || !connection.clean_session) {
    const std::int64_t expiry = connection.session_expiry.value_or(-1);
    connect_properties_.add_int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                  expiry < 0 ? session_never_expires : static_cast<std::uint32_t>(expiry));
  }

  mosquitto_connect_v5_callback_set(handle, SessionCallbacks::on_connect);
  mosquitto_disconnect_v5_callback_set(handle, SessionCallbacks::on_disconnect);
  mosquitto_publish_v5_callback_set(handle, SessionCallbacks::on_publish);
  mosquitto_message_v5_callback_set(handle, SessionCallbacks::on_message);
  mosquitto_subscribe_v5_callback_set(handle, SessionCallbacks::on_subscribe);
  mosquitto_unsubscribe_v5_callback_set(handle, SessionCallbacks::on_unsubscribe);
  // libmosquitto formats a log line for every packet once a log callback is set: only when
  // the lines are wanted (-d) or TLS failures must be recorded from them.
  if (diag::debugging() || tls_) mosquitto_log_callback_set(handle, SessionCallbacks::on_log);
}

void Session::configure_will() {
  const WillOptions& will = options_.will;
  if (!will.topic) return;
  const bool v5 = attempt_.protocol == ProtocolVersion::v5;
  Properties properties = v5 ? will.properties : Properties{};
  mosquitto_property* owned = properties.release();  // libmosquitto takes it on success
  const int rc =
      mosquitto_will_set_v5(handle_.get(), will.topic->c_str(), static_cast<int>(will.payload.size()),
                            will.payload.data(), will.qos, will.retain, owned);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_property_free_all(&owned);
    throw request_error(rc, fmt::format("set the last will on '{}'", *will.topic));
  }
}

bool Session::may_fall_back() const {
  const ConnectionOptions& connection = options_.connection;
  return attempt_.protocol == ProtocolVersion::v5 && !attempt_.protocol_given && !connection.session_expiry &&
         !connection.requires_v5;
}

void Session::fall_back_to_v311() {
  diag::debug("{} refused MQTT v5; connecting again with MQTT v3.1.1", attempt_.endpoint.text());
  attempt_.protocol = ProtocolVersion::v311;
  attempt_.fell_back = true;
  mosquitto_int_option(handle_.get(), MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  configure_will();
}

void Session::open_connection() {
  begin_attempt();
  const Endpoint& endpoint = attempt_.endpoint;
  if (relayed_) {
    open_relay();
  } else if (!endpoint.unix_path.empty()) {
    targets_ = {DialTarget{endpoint.unix_path, ""}};
  } else {
    Resolution resolution = resolve_broker(endpoint.host, options_.connection.bind_address);
    if (resolution.lookup_error != 0)
      throw resolve_error(resolution, attempt_, options_.connection.bind_address);
    if (resolution.targets.empty())
      throw unpaired_error(resolution, attempt_, options_.connection.bind_address);
    targets_ = std::move(resolution.targets);
  }
  dial();
}

void Session::begin_attempt() {
  connected_ = false;
  answered_ = false;
  fallback_wanted_ = false;
  disconnecting_ = false;
  second_look_ = SecondLook::none;
  loss_reported_ = false;
  connect_deadline_ = Clock::now() + seconds(options_.connection.connect_timeout);
  const Endpoint& endpoint = attempt_.endpoint;
  diag::debug("connecting to {} with {}{}", endpoint.text(), protocol_name(attempt_.protocol),
              tls_ ? " over TLS" : "");
  tried_.clear();
  target_ = 0;
}

// libmosquitto 2.0 has no asynchronous connect that takes CONNECT properties, but its
// asynchronous connect sends the ones the last mosquitto_connect_bind_v5 call stored. That call
// stores them before it checks its port, so a port of -1 stores them without connecting.
void Session::store_connect_properties() {
  const bool v5 = attempt_.protocol == ProtocolVersion::v5;
  const mosquitto_property* properties =
      v5 && !connect_properties_.empty() ? connect_properties_.get() : nullptr;
  mosquitto_connect_bind_v5(handle_.get(), "", -1, options_.connection.keepalive, nullptr, properties);
}

// The relay makes the connection to the broker (and the TLS and WebSocket handshakes) before
// libmosquitto connects to it; a failure is thrown as the connect's.
void Session::open_relay() {
  relay_.reset();
  relay_ = Relay::open(options_, attempt_, tls_.get(), connect_deadline_);
  targets_ = {DialTarget{relay_->socket_path(), ""}};
}

// An external loop must not block, so it drives the relay's opening (relay_watches(),
// handle_relay()); a server that is silent at the handshake is not looked at again, since that
// would block: a tool diagnoses its first connection with connect() instead.
void Session::start_relay_opening() {
  begin_attempt();
  relay_.reset();
  relay_opening_ = std::make_unique<RelayOpening>(options_, attempt_, tls_.get(), connect_deadline_,
                                                  SilenceDiagnosis::none);
  ++relay_serial_;
  relay_sockets_seen_ = relay_opening_->sockets_opened();
  advance_relay_opening();
}

// Once the relay is open, libmosquitto connects to it as in open_relay().
void Session::advance_relay_opening() {
  try {
    relay_opening_->advance();
    if (relay_opening_->sockets_opened() != relay_sockets_seen_) {
      relay_sockets_seen_ = relay_opening_->sockets_opened();
      ++relay_serial_;  // a new socket, perhaps with the number of the one it replaced
    }
    if (!relay_opening_->done()) return;
    relay_ = relay_opening_->finish();
  } catch (const Error& failure) {
    relay_opening_.reset();
    fail(failure);
    return;
  }
  relay_opening_.reset();
  targets_ = {DialTarget{relay_->socket_path(), ""}};
  dial();
}

void Session::dial() {
  const DialTarget& target = targets_[target_];
  const Endpoint& endpoint = attempt_.endpoint;
  const bool unix_socket = !endpoint.unix_path.empty() || relayed_;
  if (tls_ && !relayed_) tls_->start_handshake();
  tcp_established_ = false;
  ++socket_serial_;
  const auto now = Clock::now();
  target_deadline_ = now + (connect_deadline_ - now) / static_cast<int>(targets_.size() - target_);
  if (targets_.size() > 1) diag::debug("trying {} ({} of {})", target.address, target_ + 1, targets_.size());
  store_connect_properties();
  trace::connect_sent(attempt_, options_, client_id(),
                      attempt_.protocol == ProtocolVersion::v5 && !connect_properties_.empty()
                          ? connect_properties_.get()
                          : nullptr);
  errno = 0;
  const int rc = mosquitto_connect_bind_async(handle_.get(), target.address.c_str(),
                                              unix_socket ? 0 : endpoint.port, options_.connection.keepalive,
                                              target.bind.empty() ? nullptr : target.bind.c_str());
  const int error_number = errno;
  dial_errno_ = error_number;
  if (rc == MOSQ_ERR_ERRNO && refused_connect(error_number)) return give_up_address(error_number);
  if (relay_) relay_->accept_client();
  if (rc != MOSQ_ERR_SUCCESS) return end_attempt(rc, error_number);
  if (socket_buffers_) socket_buffers_->adopt(socket());
  // A connect on loopback may be done already, and CONNECT or the TLS greeting written with it.
  tcp_connect_done();
}

// Whether the TCP connect of the current socket has completed; gives the address up when it
// failed. Until it completes libmosquitto must not touch the socket: its TLS code would wait
// forever on a refused connection. A connecting socket becomes writable when the connect is
// done; only then is its error the connect's (nothing was sent yet that the server could
// answer by closing).
bool Session::tcp_connect_done() {
  if (tcp_established_) return true;
  pollfd connecting{socket(), POLLOUT, 0};
  if (connecting.fd < 0 || ::poll(&connecting, 1, 0) <= 0) return false;
  if ((connecting.revents & (POLLERR | POLLHUP)) != 0) {
    const int error = failed_connect_error(connecting.fd);
    if (refused_connect(error)) {
      give_up_address(error);
      return false;
    }
  }
  tcp_established_ = true;
  return true;
}

// The error of a connect that ended (the socket reported an error or hung up), or 0 if it was
// made. The TLS handshake libmosquitto starts inside the connect call takes the socket's error
// (its write of the greeting, or its read of the answer, fails with it): then the socket has
// no peer, and the errno the call left names it: a refusal, or the reset of a server that
// took the connection and then closed it.
int Session::failed_connect_error(int fd) const {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  if (error != 0) return error;
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0 || errno != ENOTCONN) return 0;
  return dial_errno_ != 0 ? dial_errno_ : ECONNREFUSED;
}

bool Session::tls_handshaking() const {
  return tls_ && !relayed_ && tcp_established_ && !connected_ && !tls_->observation().handshake_done;
}

// The current address could not be reached: the next one gets its turn, or, after the last,
// the connection attempt fails with the cause of this one and the list of what was tried.
void Session::give_up_address(int error_number) {
  const DialTarget& target = targets_[target_];
  tried_.push_back(target.address);
  if (target_ + 1 < targets_.size()) {
    diag::debug("{}: {}", target.address, std::strerror(error_number));
    ++target_;
    return dial();
  }
  close_socket();
  Error failure = connect_call_error(MOSQ_ERR_ERRNO, error_number, attempt_, tls_.get());
  if (tried_.size() > 1 || tried_.front() != attempt_.endpoint.host)
    failure = Error{failure.code(), failure.what(),
                    fmt::format("{}; tried {}", failure.cause(), address_list(tried_)), failure.fix()};
  if (reconnect_.active()) return start_reconnecting(failure);
  fail(std::move(failure));
}

// The connect call itself failed after reaching the broker: on a fast loopback the whole TLS
// handshake, and the broker's refusal of it, can happen inside the call.
void Session::end_attempt(int mosq_rc, int error_number) {
  if (failed_after_tcp_connect(mosq_rc, error_number) && !relayed_)
    second_look_ = second_look_for(mosq_rc, false, attempt_, tls_.get());
  Error failure = connect_call_error(mosq_rc, error_number, attempt_, tls_.get());
  close_socket();
  if (reconnect_.active()) return start_reconnecting(failure);
  fail(std::move(failure));
}

// libmosquitto has no call that only closes its socket; a connection to nowhere (an empty
// host name does not resolve) closes the current one first and opens none.
void Session::close_socket() {
  if (socket() < 0) return;
  mosquitto_connect_bind_async(handle_.get(), "", 0, options_.connection.keepalive, nullptr);
}

void Session::connect() {
  const double timeout = options_.connection.connect_timeout;
  const auto deadline = Clock::now() + seconds(timeout);  // one limit for every attempt, fallback included
  try {
    for (;;) {
      open_connection();
      // A handler may end the connection it was accepted on (mqsub -C with queued messages).
      const LoopExit exit =
          run_until([this] { return connected_ || fallback_wanted_ || disconnecting_; }, deadline);
      if (connected_ || disconnecting_) return;
      if (fallback_wanted_) {
        fall_back_to_v311();
        continue;
      }
      if (exit == LoopExit::interrupted) throw interrupted_error(StopSignals::received());
      throw connect_timeout_error(timeout, attempt_, tls_.get());
    }
  } catch (const Error& failure) {
    if (second_look_ == SecondLook::none) throw;
    // The first diagnosis fits several causes: a short second connection tells them apart.
    const auto limit = std::min<Clock::duration>(seconds(timeout), longest_second_look);
    const PortProbe probe = look_again(second_look_, attempt_.endpoint, tls_.get(),
                                       std::chrono::duration_cast<std::chrono::milliseconds>(limit));
    throw port_mismatch_error(failure, attempt_, probe, tls_.get());
  }
}

void Session::start_connect() {
  if (relayed_) return start_relay_opening();
  open_connection();
}

bool Session::open() const { return socket() >= 0 || (relay_ && relay_->active()); }

bool Session::request_disconnect() {
  if (!handle_ || socket() < 0) return false;
  if (disconnecting_) return true;
  disconnecting_ = true;
  // libmosquitto closes its descriptor as soon as the DISCONNECT is written: a second one keeps
  // the connection open until the broker has read everything (see await_broker_close).
  if (linger_) lingering_fd_ = ::fcntl(socket(), F_DUPFD_CLOEXEC, 0);
  const Properties& properties = options_.connection.disconnect_properties;
  const bool v5 = attempt_.protocol == ProtocolVersion::v5;
  return mosquitto_disconnect_v5(handle_.get(), MQTT_RC_NORMAL_DISCONNECTION,
                                 v5 ? properties.get() : nullptr) == MOSQ_ERR_SUCCESS;
}

void Session::disconnect() {
  const auto deadline = Clock::now() + disconnect_grace;
  if (request_disconnect()) {
    // The relay still carries the DISCONNECT after libmosquitto closed its end.
    while ((socket() >= 0 || (relay_ && relay_->active())) && Clock::now() < deadline)
      poll_once(100, false, nullptr);
  }
  await_broker_close(deadline);  // also after a DISCONNECT requested from a handler
}

// The broker reads our packets in order and closes the connection when it reaches the
// DISCONNECT: its end of the stream proves it handled every acknowledgement before it. What it
// sends meanwhile is read and discarded, never acknowledged, so that closing our end does not
// reset the connection (a close with unread input sends RST, and the broker then drops what it
// had not read yet).
void Session::await_broker_close(Clock::time_point deadline) {
  if (lingering_fd_ < 0) return;
  const int fd = std::exchange(lingering_fd_, -1);
  if (relay_) {
    // disconnect() ran the relay until the broker closed the tunnel: the same proof.
    ::close(fd);
    return;
  }
  if (socket() < 0) {  // the DISCONNECT is out
    ::shutdown(fd, SHUT_WR);
    char discarded[16384];
    bool closed = false;
    while (!closed && Clock::now() < deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(std::max<long long>(left, 0))) < 0 && errno != EINTR) break;
      const ssize_t received = ::recv(fd, discarded, sizeof discarded, MSG_DONTWAIT);
      closed = received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
    if (!closed)
      diag::debug("the broker did not close the connection within {} s of the DISCONNECT",
                  std::chrono::duration_cast<std::chrono::seconds>(disconnect_grace).count());
  }
  ::close(fd);
}

int Session::publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                     const mosquitto_property* properties) {
  PublishResult result = try_publish(topic, payload, qos, retain, properties);
  if (result.refused) throw std::move(*result.refused);
  return result.mid;
}

PublishResult Session::try_publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                                   const mosquitto_property* properties) {
  const PublishShape shape{topic.size(), payload.size(), qos, attempt_.protocol, properties};
  if (publish_remaining_length(shape) > mqtt_max_remaining_length ||
      (broker_maximum_packet_size_ != 0 && publish_packet_size(shape) > broker_maximum_packet_size_))
    return {0, message_too_large_error(topic, shape, broker_maximum_packet_size_, attempt_.endpoint)};
  int mid = 0;
  const int rc = mosquitto_publish_v5(handle_.get(), &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, retain, properties);
  // A write that found the connection broken (the broker went away as we published): the
  // message is queued all the same (QoS 1/2, sent again after reconnecting) or goes with the
  // connection (QoS 0, counted as lost when the loop sees the disconnect), as when the
  // connection breaks a moment later.
  if (rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO) return {mid, std::nullopt};
  if (rc != MOSQ_ERR_SUCCESS) throw request_error(rc, fmt::format("publish to '{}'", topic));
  return {mid, std::nullopt};
}

int Session::subscribe(const std::vector<std::string>& filters, int qos, int options,
                       const mosquitto_property* properties) {
  std::vector<char*> names;
  for (const std::string& filter : filters)
    names.push_back(const_cast<char*>(filter.c_str()));
  int mid = 0;
  const int rc = mosquitto_subscribe_multiple(handle_.get(), &mid, static_cast<int>(names.size()),
                                              names.data(), qos, options, properties);
  if (rc != MOSQ_ERR_SUCCESS) throw request_error(rc, "subscribe");
  return mid;
}

int Session::unsubscribe(const std::vector<std::string>& filters, const mosquitto_property* properties) {
  std::vector<char*> names;
  for (const std::string& filter : filters)
    names.push_back(const_cast<char*>(filter.c_str()));
  int mid = 0;
  const int rc = mosquitto_unsubscribe_multiple(handle_.get(), &mid, static_cast<int>(names.size()),
                                                names.data(), properties);
  if (rc != MOSQ_ERR_SUCCESS) throw request_error(rc, "unsubscribe");
  return mid;
}

// The connection was lost, or an attempt to make it again failed: the next attempt is
// scheduled, or, with the attempts used up, the session fails with `cause`.
void Session::start_reconnecting(const Error& cause) {
  if (reconnect_.lost(connected_at_, Clock::now())) {
    diag::info(fmt::format("{} ({}); reconnecting", cause.what(), cause.cause()));
    events_.on_connection_lost();
  }
  const int limit = reconnect_.policy().max_attempts;
  const std::optional<std::chrono::milliseconds> delay = reconnect_.schedule_next(Clock::now());
  if (!delay) {
    fail(Error{cause.code(), fmt::format("{}; gave up after {} reconnect attempts", cause.what(), limit),
               cause.cause(), cause.fix()});
    return;
  }
  trace::reconnect(attempt_.endpoint, reconnect_.next_attempt_number(), limit, *delay, cause.what());
}

void Session::wait_and_reconnect(int timeout_ms, bool wake_on_stop_signal) {
  if (!reconnect_.take_due_attempt(Clock::now())) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(reconnect_.next_attempt() - Clock::now()).count();
    pollfd stop{wake_on_stop_signal ? StopSignals::fd() : -1, POLLIN, 0};
    ::poll(&stop, 1, static_cast<int>(std::clamp<long long>(left, 0, timeout_ms)));
    return;
  }
  try {
    open_connection();
  } catch (const Error& failure) {
    start_reconnecting(failure);
  }
}

void Session::note_connack(int reason_code, int flags, const mosquitto_property* properties) {
  answered_ = true;
  if (reason_code == 0 && tls_ && tls_->keylog_failure()) return fail(*tls_->keylog_failure());
  if (reason_code == 0) {
    connected_ = true;
    const std::optional<ReadProperty> limit = find_property(properties, MQTT_PROP_MAXIMUM_PACKET_SIZE);
    broker_maximum_packet_size_ = limit ? limit->number : 0;  // each CONNACK states it anew; none: no limit
    connected_at_ = Clock::now();
    if (reconnect_.active()) {
      reconnect_.reconnected();
      diag::info(fmt::format("reconnected to {}", attempt_.endpoint.text()));
    }
    diag::debug("connected to {} with {}{}", attempt_.endpoint.text(), protocol_name(attempt_.protocol),
                (flags & 1) ? ", session present" : "");
    events_.on_connected(ConnackInfo{attempt_.protocol, (flags & 1) != 0, properties});
    return;
  }
  const bool version_refused =
      reason_code == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || reason_code == CONNACK_REFUSED_PROTOCOL_VERSION;
  if (version_refused && may_fall_back()) {
    fallback_wanted_ = true;
    return;
  }
  fail(connack_error(broker_reason(reason_code, properties), attempt_));
}

void Session::note_disconnect(int rc, int error_number, const mosquitto_property* properties) {
  const bool was_connected = connected_;
  connected_ = false;
  loss_reported_ = true;
  if (disconnecting_ || fallback_wanted_ || rc == MOSQ_ERR_SUCCESS || failed()) return;
  Error cause = rc >= 0x80 ? broker_disconnect_error(broker_reason(rc, properties), attempt_)
                : relay_ && relay_->failure()
                    ? *relay_->failure()
                    : connection_ended_error(rc, error_number, was_connected, attempt_, tls_.get());
  const bool may_reconnect = rc < 0x80 || worth_reconnecting(rc);
  if ((was_connected || reconnect_.active()) && may_reconnect && reconnect_.enabled())
    return start_reconnecting(cause);
  if (!answered_ && rc < 0x80 && !relayed_)
    second_look_ = second_look_for(rc, was_connected, attempt_, tls_.get());
  fail(std::move(cause));
}

void Session::fail(Error failure) {
  if (!failure_) failure_ = std::move(failure);
}

void Session::rethrow_if_failed() const {
  if (failure_) throw *failure_;
}

}  // namespace mq
