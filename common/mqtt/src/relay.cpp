#include "mq/relay.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include <algorithm>
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

std::string handshake(Tunnel& tunnel, const ClientOptions& options, const Endpoint& broker,
                      std::string& status_line) {
  const TransportOptions& transport = options.transport;
  const std::string key = new_websocket_key();
  const bool proxied = transport.proxy.has_value();
  const HttpResponse answer = tunnel.exchange_http(
      websocket_request(transport, broker, key), fmt::format("the server {}", broker.text()),
      [&] {
        return websocket_silence_error(broker, transport.subprotocol(), speaks_plain_mqtt(broker, proxied));
      },
      masked_handshake_headers(transport));
  std::string agreed = check_websocket_answer(answer, transport, broker, key);
  status_line = answer.status_line;
  diag::debug("WebSocket connection to {} open{}", broker.text(),
              agreed.empty() ? "" : fmt::format(", subprotocol {}", agreed));
  return agreed;
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
    const std::size_t waiting = r.read_ahead_end_ - r.read_ahead_begin_;
    if (waiting == 0 || r.to_client_.size() >= backlog_limit) {
      wslay_event_set_error(context, r.tunnel_ended_ && waiting == 0 ? WSLAY_ERR_CALLBACK_FAILURE
                                                                     : WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    const std::size_t taken = std::min(waiting, length);
    std::memcpy(buffer, r.read_ahead_.data() + r.read_ahead_begin_, taken);
    r.read_ahead_begin_ += taken;
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

std::unique_ptr<Relay> Relay::open(const ClientOptions& options, const ConnectAttempt& attempt,
                                   TlsContext* tls, TunnelClock::time_point deadline) {
  Tunnel tunnel = Tunnel::open(options, attempt, tls, deadline);
  std::unique_ptr<Relay> relay{new Relay(std::move(tunnel), attempt.endpoint)};
  if (options.transport.websocket) {
    relay->subprotocol_ = handshake(relay->tunnel_, options, attempt.endpoint, relay->http_status_);
    relay->start_framing();
  }
  relay->listen_privately();
  return relay;
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
  read_ahead_.resize(read_chunk);
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
  const std::size_t backlog = framing_ ? wslay_event_get_queued_msg_length(framing_) : to_broker_.size();
  const short client_reading = !client_ended_ && backlog < backlog_limit ? POLLIN : 0;
  watched.push_back({client_fd_, static_cast<short>(client_reading | (to_client_.empty() ? 0 : POLLOUT)), 0});
  const bool sending = framing_ ? wslay_event_want_write(framing_) != 0 : !to_broker_.empty();
  const short tunnel_reading = to_client_.size() < backlog_limit ? POLLIN : 0;
  watched.push_back(
      {tunnel_ended_ ? -1 : tunnel_.fd(), static_cast<short>(tunnel_reading | (sending ? POLLOUT : 0)), 0});
}

bool Relay::active() const {
  if (!client_ended_) return client_fd_ >= 0;
  return client_fd_ >= 0 && !tunnel_ended_ && TunnelClock::now() < client_ended_at_ + close_grace;
}

bool Relay::has_buffered_input() const {
  return !tunnel_ended_ && input_waiting() && to_client_.size() < backlog_limit;
}

bool Relay::input_waiting() const {
  return read_ahead_begin_ < read_ahead_end_ || tunnel_.has_buffered_input();
}

bool Relay::pump(short client_events, short tunnel_events) {
  constexpr short ready = POLLIN | POLLHUP | POLLERR;
  if ((client_events & ready) != 0) read_client();
  if (!tunnel_ended_) exchange_with_broker((tunnel_events & ready) != 0 || input_waiting());
  const bool delivered = write_client();
  if (tunnel_ended_ && (to_client_.empty() || client_ended_)) close_client();
  return delivered;
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
      continue;
    }
    const wslay_event_msg message{WSLAY_BINARY_FRAME, reinterpret_cast<const uint8_t*>(buffer),
                                  static_cast<std::size_t>(received)};
    if (wslay_event_queue_msg(framing_, &message) != 0) return end_tunnel(0);
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
      if (wslay_event_recv(framing_) != 0) return end_tunnel(0);
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
// socket costs no failed read, since poll() said it was readable.
void Relay::read_ahead() {
  if (read_ahead_begin_ < read_ahead_end_ || to_client_.size() >= backlog_limit) return;
  read_ahead_begin_ = read_ahead_end_ = 0;
  const TunnelIo io = tunnel_.read(read_ahead_.data(), read_ahead_.size());
  if (io.state == TunnelIo::State::ended) return end_tunnel(io.error_number);
  read_ahead_end_ = io.bytes;
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
    to_client_.erase(0, static_cast<std::size_t>(sent));
    delivered = true;
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
