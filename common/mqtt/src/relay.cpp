#include "mq/relay.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "mq/diagnostics.hpp"
#include "mq/port_probe.hpp"
#include "mq/text.hpp"
#include "mq/websocket_handshake.hpp"

namespace mq {
namespace {

constexpr std::size_t backlog_limit = 1024 * 1024;  // bytes held for one side before reading the other
constexpr std::size_t read_chunk = 64 * 1024;
constexpr auto second_look_limit = std::chrono::milliseconds(2000);
constexpr auto close_grace = std::chrono::seconds(2);  // for the broker's end after libmosquitto's

// The close codes a new connection may overcome: the server going away or busy.
bool server_went_away(int code) { return code == 1000 || code == 1001 || code == 1012 || code == 1013; }

Error closed_with_code_error(const Endpoint& broker, int code, std::string_view reason) {
  return Error{server_went_away(code) ? Exit::network : Exit::protocol,
               fmt::format("the server {} closed the WebSocket connection with close code {}", broker.text(),
                           close_code_text(code)),
               reason.empty() ? "it gave no reason" : fmt::format("its reason: '{}'", printable(reason)),
               server_went_away(code) ? "try again later; the broker's log says why it closed"
                                      : "check the broker's log (and its WebSocket settings) for why"};
}

// Whether the port answers a plain MQTT CONNECT: the server dropped our handshake like a plain
// MQTT listener does.
bool speaks_plain_mqtt(const Endpoint& broker, bool proxied) {
  if (broker.tls || proxied) return false;
  Endpoint plain = broker;
  const PortProbe probe = look_again(SecondLook::plain_mqtt, plain, nullptr, second_look_limit);
  return probe.speaks == PortSpeaks::plain_mqtt;
}

std::string private_directory() {
  const char* base = std::getenv("XDG_RUNTIME_DIR");
  if (!base || !*base || std::strlen(base) > 60) base = "/tmp";
  std::string pattern = fmt::format("{}/mq-relay-XXXXXX", base);
  if (!mkdtemp(pattern.data()))
    throw Error{Exit::internal, fmt::format("cannot make a private directory in {}", base),
                std::strerror(errno), "set XDG_RUNTIME_DIR to a writable directory"};
  return pattern;
}

}  // namespace

// wslay calls these C callbacks from wslay_event_recv and wslay_event_send.
struct RelayCallbacks {
  static Relay& relay(void* user_data) { return *static_cast<Relay*>(user_data); }

  static ssize_t receive(wslay_event_context* context, uint8_t* buffer, size_t length, int, void* user_data) {
    Relay& r = relay(user_data);
    const std::size_t waiting = r.read_ahead_.size();
    if (waiting == 0 || r.to_client_.size() >= backlog_limit) {
      wslay_event_set_error(context, r.tunnel_ended_ && waiting == 0 ? WSLAY_ERR_CALLBACK_FAILURE
                                                                     : WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    const std::size_t taken = std::min(waiting, length);
    std::memcpy(buffer, r.read_ahead_.data(), taken);
    r.read_ahead_.remove_prefix(taken);
    return static_cast<ssize_t>(taken);
  }

  static ssize_t send(wslay_event_context* context, const uint8_t* bytes, size_t length, int,
                      void* user_data) {
    Relay& r = relay(user_data);
    const TunnelIo io = r.tunnel_.write(reinterpret_cast<const char*>(bytes), length);
    if (io.state == TunnelIo::State::moved) return static_cast<ssize_t>(io.bytes);
    if (io.state == TunnelIo::State::ended) r.end_tunnel(io.error_number);
    wslay_event_set_error(context, io.state == TunnelIo::State::ended ? WSLAY_ERR_CALLBACK_FAILURE
                                                                      : WSLAY_ERR_WOULDBLOCK);
    return -1;
  }

  static int mask(wslay_event_context*, uint8_t* buffer, size_t length, void*) {
    return RAND_bytes(buffer, static_cast<int>(length)) == 1 ? 0 : -1;
  }

  static void frame_start(wslay_event_context*, const wslay_event_on_frame_recv_start_arg* frame,
                          void* user_data) {
    relay(user_data).frame_opcode_ = frame->opcode;
  }

  static void frame_chunk(wslay_event_context*, const wslay_event_on_frame_recv_chunk_arg* chunk,
                          void* user_data) {
    Relay& r = relay(user_data);
    if (wslay_is_ctrl_frame(r.frame_opcode_)) return;
    r.to_client_.append(reinterpret_cast<const char*>(chunk->data), chunk->data_length);
  }

  static void message(wslay_event_context*, const wslay_event_on_msg_recv_arg* message, void* user_data) {
    Relay& r = relay(user_data);
    if (message->opcode != WSLAY_CONNECTION_CLOSE || r.client_ended_ || r.failure_) return;
    const std::string_view payload{reinterpret_cast<const char*>(message->msg), message->msg_length};
    const std::string_view reason = payload.size() > 2 ? payload.substr(2) : std::string_view{};
    diag::debug("the server closed the WebSocket with close code {}", close_code_text(message->status_code));
    r.failure_ = closed_with_code_error(r.broker_, message->status_code, reason);
  }
};

RelayOpening::RelayOpening(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
                           TunnelClock::time_point deadline, SilenceDiagnosis diagnosis)
    : options_(options), attempt_(attempt), diagnosis_(diagnosis), tunnel_(options, attempt, tls, deadline) {}

OpeningWait RelayOpening::wait() const {
  if (!handshake_) return tunnel_.wait();
  return {opened_.fd(), handshake_->events(), tunnel_.wait().until};
}

void RelayOpening::advance() {
  if (done_) return;
  if (!handshake_) {
    tunnel_.advance();
    if (!tunnel_.done()) return;
    opened_ = tunnel_.take();
    if (!options_.transport.websocket) {
      done_ = true;
      return;
    }
    start_handshake();
  }
  const std::optional<HttpResponse> answer = handshake_->advance(opened_);
  if (!answer) {
    if (TunnelClock::now() >= wait().until) throw handshake_->timeout_error();
    return;
  }
  subprotocol_ = check_websocket_answer(*answer, options_.transport, attempt_.endpoint, key_);
  http_status_ = answer->status_line;
  diag::debug("WebSocket connection to {} open{}", attempt_.endpoint.text(),
              subprotocol_.empty() ? "" : fmt::format(", subprotocol {}", subprotocol_));
  done_ = true;
}

void RelayOpening::start_handshake() {
  const TransportOptions& transport = options_.transport;
  const Endpoint& broker = attempt_.endpoint;
  key_ = new_websocket_key();
  const bool look_again = diagnosis_ == SilenceDiagnosis::look_again;
  const bool proxied = transport.proxy.has_value();
  handshake_.emplace(
      websocket_request(transport, broker, key_), fmt::format("the server {}", broker.text()),
      [broker, proxied, look_again, subprotocol = transport.subprotocol()] {
        return websocket_silence_error(broker, subprotocol, look_again && speaks_plain_mqtt(broker, proxied));
      },
      masked_handshake_headers(transport), options_.connection.connect_timeout);
}

std::unique_ptr<Relay> RelayOpening::finish() {
  std::unique_ptr<Relay> relay{new Relay(std::move(opened_), attempt_.endpoint)};
  if (options_.transport.websocket) {
    relay->subprotocol_ = subprotocol_;
    relay->http_status_ = http_status_;
    relay->start_framing();
  }
  relay->listen_privately();
  return relay;
}

std::unique_ptr<Relay> Relay::open(const ClientOptions& options, const ConnectAttempt& attempt,
                                   TlsContext* tls, TunnelClock::time_point deadline) {
  RelayOpening opening{options, attempt, tls, deadline, SilenceDiagnosis::look_again};
  for (opening.advance(); !opening.done(); opening.advance())
    wait_blocking(opening.wait());
  return opening.finish();
}

Relay::Relay(Tunnel tunnel, const Endpoint& broker) : tunnel_(std::move(tunnel)), broker_(broker) {}

Relay::~Relay() {
  if (framing_) wslay_event_context_free(framing_);
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listener_fd_ >= 0) ::close(listener_fd_);
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
  if (!directory_.empty()) ::rmdir(directory_.c_str());
}

void Relay::start_framing() {
  const wslay_event_callbacks callbacks{RelayCallbacks::receive,     RelayCallbacks::send,
                                        RelayCallbacks::mask,        RelayCallbacks::frame_start,
                                        RelayCallbacks::frame_chunk, nullptr,
                                        RelayCallbacks::message};
  if (wslay_event_context_client_init(&framing_, &callbacks, this) != 0)
    throw Error{Exit::internal, "out of memory for the WebSocket framing"};
  wslay_event_config_set_no_buffering(framing_, 1);  // frames go to libmosquitto as they arrive
  wslay_event_config_set_max_recv_msg_length(framing_, UINT64_MAX >> 1);
}

void Relay::listen_privately() {
  directory_ = private_directory();
  socket_path_ = directory_ + "/mqtt";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof address.sun_path - 1);
  listener_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener_fd_ < 0 || ::bind(listener_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_fd_, 1) != 0)
    throw Error{Exit::internal, fmt::format("cannot listen on the relay's socket {}", socket_path_),
                std::strerror(errno)};
}

void Relay::accept_client() {
  client_fd_ = ::accept4(listener_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (client_fd_ < 0) client_ended_ = true;  // libmosquitto's connect failed; its own error says why
  ::close(std::exchange(listener_fd_, -1));
  ::unlink(socket_path_.c_str());
  socket_path_.clear();
  ::rmdir(directory_.c_str());
  directory_.clear();
}

void Relay::add_watches(std::vector<pollfd>& watched) const {
  const std::array<pollfd, 2> entries = watches();
  watched.insert(watched.end(), entries.begin(), entries.end());
}

std::array<pollfd, 2> Relay::watches() const {
  const std::size_t backlog = framing_ ? wslay_event_get_queued_msg_length(framing_) : to_broker_.size();
  const short client_reading = !client_ended_ && backlog < backlog_limit ? POLLIN : 0;
  const bool sending = framing_ ? wslay_event_want_write(framing_) != 0 : !to_broker_.empty();
  const short tunnel_reading = to_client_.size() < backlog_limit ? POLLIN : 0;
  return {pollfd{client_fd_, static_cast<short>(client_reading | (to_client_.empty() ? 0 : POLLOUT)), 0},
          pollfd{tunnel_.fd(), static_cast<short>(tunnel_reading | (sending ? POLLOUT : 0)), 0}};
}

bool Relay::active() const {
  if (!client_ended_) return client_fd_ >= 0;
  return !tunnel_ended_ && TunnelClock::now() < client_ended_at_ + close_grace;
}

bool Relay::has_buffered_input() const {
  return !tunnel_ended_ && input_waiting() && to_client_.size() < backlog_limit;
}

bool Relay::input_waiting() const { return !read_ahead_.empty() || tunnel_.has_buffered_input(); }

bool Relay::pump(short client_events, short tunnel_events) {
  constexpr short ready = POLLIN | POLLHUP | POLLERR;
  if ((client_events & ready) != 0) read_client();
  if (!tunnel_ended_) exchange_with_broker((tunnel_events & ready) != 0 || input_waiting());
  const bool delivered = write_client();
  if (tunnel_ended_ && (to_client_.empty() || client_ended_)) close_client();
  close_ended();
  return delivered;
}

// An ended side's socket is closed at once: an epoll set watching it would report its end
// again and again, and nothing more can move through it.
void Relay::close_ended() {
  if (client_ended_) close_client();
  if (tunnel_ended_) tunnel_.close();
}

// libmosquitto's packets, framed or as they are, until its end closes (after its DISCONNECT).
void Relay::read_client() {
  char buffer[read_chunk];
  while (client_fd_ >= 0 && !client_ended_) {
    const std::size_t backlog = framing_ ? wslay_event_get_queued_msg_length(framing_) : to_broker_.size();
    if (backlog >= backlog_limit) return;
    const ssize_t received = ::recv(client_fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (received <= 0) {
      client_ended_ = true;
      client_ended_at_ = TunnelClock::now();
      return;
    }
    if (!framing_) {
      to_broker_.append(buffer, static_cast<std::size_t>(received));
    } else {
      const wslay_event_msg message{WSLAY_BINARY_FRAME, reinterpret_cast<const uint8_t*>(buffer),
                                    static_cast<std::size_t>(received)};
      if (wslay_event_queue_msg(framing_, &message) != 0) return end_tunnel(0);
    }
    // A short read drained the socket: a further one would fail with EAGAIN.
    if (static_cast<std::size_t>(received) < sizeof buffer) return;
  }
}

// Sends what is queued for the broker; receives only when the tunnel has input (`readable`).
void Relay::exchange_with_broker(bool readable) {
  if (framing_) {
    if (wslay_event_want_write(framing_) && wslay_event_send(framing_) != 0) return end_tunnel(0);
    // wslay sends control frames first: the close waits until libmosquitto's last bytes are out.
    if (client_ended_ && !close_sent_ && wslay_event_get_queued_msg_count(framing_) == 0) {
      close_sent_ = true;
      wslay_event_queue_close(framing_, WSLAY_CODE_NORMAL_CLOSURE, nullptr, 0);
      if (wslay_event_send(framing_) != 0) return end_tunnel(0);
    }
    if (tunnel_ended_) return;
    if (readable && wslay_event_want_read(framing_)) {
      read_ahead();
      const int failed = wslay_event_recv(framing_);
      hold_unframed();
      if (failed != 0) return end_tunnel(0);
    }
    // After both close frames, the WebSocket is done.
    if (!wslay_event_want_read(framing_) && !wslay_event_want_write(framing_)) end_tunnel(0);
    return;
  }
  while (!to_broker_.empty()) {
    const TunnelIo io = tunnel_.write(to_broker_.data(), to_broker_.size());
    if (io.state == TunnelIo::State::ended) return end_tunnel(io.error_number);
    if (io.state == TunnelIo::State::would_block) break;
    to_broker_.erase(0, io.bytes);
  }
  if (client_ended_ && to_broker_.empty()) ::shutdown(tunnel_.fd(), SHUT_WR);
  // One read a turn: poll() reports the rest, and a drained socket costs no failed read.
  char buffer[read_chunk];
  if (!readable || to_client_.size() >= backlog_limit) return;
  const TunnelIo io = tunnel_.read(buffer, sizeof buffer);
  if (io.state == TunnelIo::State::ended) return end_tunnel(io.error_number);
  to_client_.append(buffer, io.bytes);
}

// Reads what the tunnel has, when wslay has taken all that was read before; a drained
// socket costs no failed read, since poll() said it was readable. The bytes go to the thread's
// one buffer, not one per relay: thousands of relays (mqbench) would hold 64 KiB each.
void Relay::read_ahead() {
  if (!read_ahead_.empty() || to_client_.size() >= backlog_limit) return;
  thread_local std::array<char, read_chunk> shared;
  const TunnelIo io = tunnel_.read(shared.data(), shared.size());
  if (io.state == TunnelIo::State::ended) return end_tunnel(io.error_number);
  read_ahead_ = {shared.data(), io.bytes};
  ahead_in_shared_buffer_ = true;
}

// What wslay left of the thread's buffer (libmosquitto's backlog is full) is kept by this
// relay, since the next relay's read reuses the buffer.
void Relay::hold_unframed() {
  if (!std::exchange(ahead_in_shared_buffer_, false) || read_ahead_.empty()) return;
  held_.assign(read_ahead_);
  read_ahead_ = held_;
}

bool Relay::write_client() {
  bool delivered = false;
  while (client_fd_ >= 0 && !client_ended_ && !to_client_.empty()) {
    const ssize_t sent =
        ::send(client_fd_, to_client_.data(), to_client_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    if (sent < 0) {
      client_ended_ = true;
      client_ended_at_ = TunnelClock::now();
      break;
    }
    const bool partial = static_cast<std::size_t>(sent) < to_client_.size();  // the socket is full
    to_client_.erase(0, static_cast<std::size_t>(sent));
    delivered = true;
    if (partial) break;
  }
  return delivered;
}

void Relay::end_tunnel(int error_number) {
  if (tunnel_ended_) return;
  tunnel_ended_ = true;
  if (error_number != 0)
    diag::debug("the connection to {} ended: {}", broker_.text(), std::strerror(error_number));
}

// libmosquitto then sees its connection end, as when a broker closes a TCP connection.
void Relay::close_client() {
  if (client_fd_ < 0) return;
  ::close(std::exchange(client_fd_, -1));
}

}  // namespace mq
