#include "mq/tunnel.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <mosquitto.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "mq/addresses.hpp"
#include "mq/base64.hpp"
#include "mq/diagnostics.hpp"
#include "mq/signals.hpp"
#include "mq/text.hpp"
#include "mq/tls.hpp"

namespace mq {
namespace {

constexpr std::size_t read_chunk = 4096;

// The outcome of connecting to one host: a socket, or why there is none.
struct TcpOutcome {
  int fd = -1;
  Resolution resolution;
  int error_number = 0;  // of the last address tried
};

int connect_started(const DialTarget& target, int port, int& error_number) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(target.address.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) {
    error_number = EADDRNOTAVAIL;
    return -1;
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool started = fd >= 0;
  if (started && !target.bind.empty()) {
    addrinfo* local = nullptr;
    started = getaddrinfo(target.bind.c_str(), nullptr, &hints, &local) == 0 && local &&
              ::bind(fd, local->ai_addr, local->ai_addrlen) == 0;
    if (local) freeaddrinfo(local);
  }
  started = started && (::connect(fd, found->ai_addr, found->ai_addrlen) == 0 || errno == EINPROGRESS);
  error_number = errno;
  freeaddrinfo(found);
  if (!started && fd >= 0) ::close(fd);
  return started ? fd : -1;
}

// Waits for the connect to end, within `deadline`; a stop signal ends the wait at once.
int connect_result(int fd, TunnelClock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - TunnelClock::now()).count();
    if (left <= 0) return ETIMEDOUT;
    pollfd watched[]{{fd, POLLOUT, 0}, {StopSignals::fd(), POLLIN, 0}};
    if (::poll(watched, 2, static_cast<int>(left)) < 0 && errno != EINTR) return errno;
    if (StopSignals::received() != 0) throw interrupted_error(StopSignals::received());
    if (watched[0].revents == 0) continue;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
  }
}

// Each address the name resolves to in turn, each with its share of the time left.
TcpOutcome connect_tcp(const std::string& host, int port, const std::string& bind_address,
                       TunnelClock::time_point deadline) {
  TcpOutcome outcome;
  outcome.resolution = resolve_broker(host, bind_address);
  const auto& targets = outcome.resolution.targets;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto now = TunnelClock::now();
    const auto share = now + (deadline - now) / static_cast<int>(targets.size() - i);
    const int fd = connect_started(targets[i], port, outcome.error_number);
    if (fd < 0) continue;
    outcome.error_number = connect_result(fd, share);
    if (outcome.error_number == 0) {
      outcome.fd = fd;
      return outcome;
    }
    diag::debug("{}: {}", targets[i].address, std::strerror(outcome.error_number));
    ::close(fd);
  }
  return outcome;
}

std::string host_and_port(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

Error proxy_unreachable_error(const ProxyUrl& proxy, const TcpOutcome& outcome) {
  const std::string what = fmt::format("cannot reach the proxy {}", proxy.text());
  const std::string fix = "check --proxy (or MQ_PROXY): is a proxy listening at that host and port?";
  if (outcome.resolution.lookup_error != 0)
    return Error{Exit::network, what,
                 fmt::format("its name '{}' does not resolve: {}", proxy.host,
                             gai_strerror(outcome.resolution.lookup_error)),
                 fix};
  return Error{Exit::network, what, std::strerror(outcome.error_number), fix};
}

std::string connect_request(const ProxyUrl& proxy, const Endpoint& broker) {
  const std::string target = host_and_port(broker.host, broker.port);
  std::string request = fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n", target);
  if (proxy.username)
    request += fmt::format("Proxy-Authorization: Basic {}\r\n",
                           base64_encode(*proxy.username + ":" + proxy.password.value_or("")));
  return request + "\r\n";
}

void trace_head(std::string_view direction, std::string_view head, const std::vector<std::string>& masked) {
  if (!diag::debugging()) return;
  std::string_view rest = head;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    const std::string lower = ascii_lowercase(line.substr(0, line.find(':')));
    const bool secret = std::find(masked.begin(), masked.end(), lower) != masked.end();
    diag::debug("{} {}", direction,
                secret ? std::string{line.substr(0, line.find(':'))} + ": ***" : printable(line));
  }
}

std::string socks_reply_text(int code) {
  static constexpr const char* replies[] = {"succeeded",
                                            "general SOCKS server failure",
                                            "connection not allowed by ruleset",
                                            "network unreachable",
                                            "host unreachable",
                                            "connection refused",
                                            "TTL expired",
                                            "command not supported",
                                            "address type not supported"};
  if (code >= 0 && code < static_cast<int>(std::size(replies)))
    return fmt::format("{} ({})", replies[code], code);
  return fmt::format("reply code {}", code);
}

// RFC 1928's CONNECT with the broker's name (address type 3): the proxy resolves it (socks5h).
std::string socks_connect_request(const Endpoint& broker) {
  std::string request{"\x05\x01\x00\x03", 4};
  request += static_cast<char>(broker.host.size());
  request += broker.host;
  request += static_cast<char>((broker.port >> 8) & 0xff);
  request += static_cast<char>(broker.port & 0xff);
  return request;
}

void check_proxy_answer(const HttpResponse& answer, const ProxyUrl& proxy, const Endpoint& broker) {
  if (answer.status >= 200 && answer.status < 300) return;
  const std::string target = host_and_port(broker.host, broker.port);
  if (answer.status == 407)
    throw Error{Exit::authentication,
                fmt::format("the proxy {} refused to connect to {}", proxy.text(), target),
                fmt::format("it asks for credentials ('{}'){}", answer.status_line,
                            proxy.username ? " and did not accept the user name and password given" : ""),
                "give them in the proxy URL: --proxy http://USER:PASSWORD@HOST:PORT"};
  throw Error{Exit::network, fmt::format("the proxy {} refused to connect to {}", proxy.text(), target),
              fmt::format("it answered CONNECT with '{}'", answer.status_line),
              fmt::format("check that the proxy allows CONNECT to port {} (tinyproxy: ConnectPort; squid: "
                          "SSL_ports), or connect without it (--no-proxy)",
                          broker.port)};
}

}  // namespace

Tunnel Tunnel::open(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
                    TunnelClock::time_point deadline) {
  const std::optional<ProxyUrl>& proxy = options.transport.proxy;
  const Endpoint& broker = attempt.endpoint;
  const std::string& bind = options.connection.bind_address;
  const TcpOutcome outcome = proxy ? connect_tcp(proxy->host, proxy->port, bind, deadline)
                                   : connect_tcp(broker.host, broker.port, bind, deadline);
  if (outcome.fd < 0) {
    if (proxy) throw proxy_unreachable_error(*proxy, outcome);
    if (outcome.resolution.lookup_error != 0) throw resolve_error(outcome.resolution, attempt, bind);
    if (outcome.resolution.targets.empty()) throw unpaired_error(outcome.resolution, attempt, bind);
    throw connect_call_error(MOSQ_ERR_ERRNO, outcome.error_number, attempt, nullptr);
  }
  Tunnel tunnel{outcome.fd, deadline};
  tunnel.timeout_seconds_ = options.connection.connect_timeout;
  if (options.connection.nodelay) {
    const int on = 1;
    setsockopt(tunnel.fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  if (proxy && proxy->kind == ProxyUrl::Kind::http) tunnel.connect_through_proxy(*proxy, attempt);
  if (proxy && proxy->kind == ProxyUrl::Kind::socks5) tunnel.connect_through_socks(*proxy, attempt);
  if (tls) tunnel.start_tls(attempt, *tls);
  return tunnel;
}

Tunnel::Tunnel(Tunnel&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ssl_(std::exchange(other.ssl_, nullptr)),
      unread_(std::move(other.unread_)), deadline_(other.deadline_),
      timeout_seconds_(other.timeout_seconds_) {}

Tunnel& Tunnel::operator=(Tunnel&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(ssl_, other.ssl_);
  std::swap(unread_, other.unread_);
  std::swap(deadline_, other.deadline_);
  std::swap(timeout_seconds_, other.timeout_seconds_);
  return *this;
}

Tunnel::~Tunnel() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

void Tunnel::connect_through_proxy(const ProxyUrl& proxy, const ConnectAttempt& attempt) {
  const std::string peer = fmt::format("the proxy {}", proxy.text());
  diag::debug("asking {} to connect to {}", peer,
              host_and_port(attempt.endpoint.host, attempt.endpoint.port));
  const HttpResponse answer = exchange_http(
      connect_request(proxy, attempt.endpoint), peer,
      [&peer] {
        return Error{Exit::network, fmt::format("{} closed the connection at our CONNECT request", peer),
                     "it is not an HTTP proxy, or it dropped the request",
                     "check --proxy (or MQ_PROXY); socks5h:// names a SOCKS5 proxy"};
      },
      {"proxy-authorization"});
  check_proxy_answer(answer, proxy, attempt.endpoint);
}

void Tunnel::connect_through_socks(const ProxyUrl& proxy, const ConnectAttempt& attempt) {
  const Endpoint& broker = attempt.endpoint;
  const std::string peer = fmt::format("the SOCKS5 proxy {}", proxy.text());
  const std::string target = host_and_port(broker.host, broker.port);
  const std::string what = fmt::format("{} refused to connect to {}", peer, target);
  diag::debug("asking {} to connect to {}", peer, target);
  const Error timeout{Exit::network, fmt::format("no answer from {} within {} s", peer, timeout_seconds_),
                      "it accepted the connection but did not answer in SOCKS5",
                      "check that --proxy names a SOCKS5 proxy; --connect-timeout sets the limit"};
  const auto ended = [&peer] {
    return Error{Exit::network, fmt::format("{} closed the connection during the SOCKS5 handshake", peer),
                 "it is not a SOCKS5 proxy, or it refused us",
                 "check --proxy (or MQ_PROXY); http:// names an HTTP proxy"};
  };
  const bool login = proxy.username.has_value();
  send_all(login ? std::string_view{"\x05\x02\x00\x02", 4} : std::string_view{"\x05\x01\x00", 3}, timeout,
           ended);
  const std::string method = receive_exactly(2, timeout, ended);
  if (method[0] != 5)
    throw Error{Exit::network, fmt::format("{} does not speak SOCKS5", peer),
                fmt::format("its first byte was {}", static_cast<int>(static_cast<unsigned char>(method[0]))),
                "check --proxy (or MQ_PROXY); http:// names an HTTP proxy"};
  if (method[1] == '\x02' && login) {
    const std::string user = proxy.username->substr(0, 255);
    const std::string password = proxy.password.value_or("").substr(0, 255);
    send_all(fmt::format("\x01{}{}{}{}", static_cast<char>(user.size()), user,
                         static_cast<char>(password.size()), password),
             timeout, ended);
    if (receive_exactly(2, timeout, ended)[1] != 0)
      throw Error{Exit::authentication, what, "it did not accept the username and password",
                  "give the proxy's credentials in the URL: --proxy socks5h://USER:PASSWORD@HOST:PORT"};
  } else if (method[1] != 0) {
    throw Error{Exit::authentication, what,
                login ? "it accepts none of the ways to log in we offer" : "it wants a username and password",
                "give the proxy's credentials in the URL: --proxy socks5h://USER:PASSWORD@HOST:PORT"};
  }
  send_all(socks_connect_request(broker), timeout, ended);
  const std::string reply = receive_exactly(4, timeout, ended);
  if (reply[1] != 0)
    throw Error{Exit::network, what,
                fmt::format("it answered {}", socks_reply_text(static_cast<unsigned char>(reply[1]))),
                "check that the broker runs at that host and port, and that the proxy may reach it"};
  const auto address_type = static_cast<unsigned char>(reply[3]);
  const std::size_t address_size = address_type == 1 ? 4
                                   : address_type == 4
                                       ? 16
                                       : static_cast<unsigned char>(receive_exactly(1, timeout, ended)[0]);
  receive_exactly(address_size + 2, timeout, ended);  // the proxy's own address and port
  diag::debug("{} connected us to {}", peer, target);
}

void Tunnel::send_all(std::string_view bytes, const Error& on_timeout, const std::function<Error()>& on_end) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const TunnelIo io = write(bytes.data() + sent, bytes.size() - sent);
    if (io.state == TunnelIo::State::ended) throw on_end();
    if (io.state == TunnelIo::State::would_block) wait_for(POLLOUT, on_timeout);
    sent += io.bytes;
  }
}

std::string Tunnel::receive_exactly(std::size_t size, const Error& on_timeout,
                                    const std::function<Error()>& on_end) {
  std::string received(size, '\0');
  for (std::size_t done = 0; done < size;) {
    const TunnelIo io = read(received.data() + done, size - done);
    if (io.state == TunnelIo::State::ended) throw on_end();
    if (io.state == TunnelIo::State::would_block) wait_for(POLLIN, on_timeout);
    done += io.bytes;
  }
  return received;
}

void Tunnel::start_tls(const ConnectAttempt& attempt, TlsContext& tls) {
  tls.start_handshake();
  ssl_ = SSL_new(tls.native());
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1)
    throw Error{Exit::internal, "OpenSSL could not start a TLS connection",
                ERR_reason_error_string(ERR_get_error())};
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return;
    const int reason = SSL_get_error(ssl_, rc);
    const Error timeout = connect_timeout_error(timeout_seconds_, attempt, &tls);
    if (reason == SSL_ERROR_WANT_READ) {
      wait_for(POLLIN, timeout);
    } else if (reason == SSL_ERROR_WANT_WRITE) {
      wait_for(POLLOUT, timeout);
    } else {
      throw tls_handshake_error(attempt, tls);
    }
  }
}

void Tunnel::wait_for(short events, const Error& on_timeout) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - TunnelClock::now()).count();
    if (left <= 0) throw on_timeout;
    pollfd watched[]{{fd_, events, 0}, {StopSignals::fd(), POLLIN, 0}};
    if (::poll(watched, 2, static_cast<int>(left)) < 0 && errno != EINTR)
      throw Error{Exit::internal, fmt::format("poll failed: {}", std::strerror(errno))};
    if (StopSignals::received() != 0) throw interrupted_error(StopSignals::received());
    if (watched[0].revents != 0) return;
  }
}

bool Tunnel::has_buffered_input() const { return !unread_.empty() || (ssl_ && SSL_pending(ssl_) > 0); }

TunnelIo Tunnel::read(char* buffer, std::size_t size) {
  if (!unread_.empty()) {
    const std::size_t count = std::min(size, unread_.size());
    std::memcpy(buffer, unread_.data(), count);
    unread_.erase(0, count);
    return {TunnelIo::State::moved, count, 0};
  }
  if (!ssl_) {
    const ssize_t received = ::recv(fd_, buffer, size, MSG_DONTWAIT);
    if (received > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(received), 0};
    if (received == 0) return {TunnelIo::State::ended, 0, 0};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return {TunnelIo::State::ended, 0, errno};
  }
  ERR_clear_error();
  errno = 0;
  const int received = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, INT32_MAX)));
  if (received > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(received), 0};
  switch (SSL_get_error(ssl_, received)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return {};
  case SSL_ERROR_ZERO_RETURN:
    return {TunnelIo::State::ended, 0, 0};
  default:
    return {TunnelIo::State::ended, 0, errno != 0 ? errno : ECONNRESET};
  }
}

TunnelIo Tunnel::write(const char* bytes, std::size_t size) {
  if (!ssl_) {
    const ssize_t sent = ::send(fd_, bytes, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return {TunnelIo::State::moved, static_cast<std::size_t>(sent), 0};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return {TunnelIo::State::ended, 0, errno};
  }
  ERR_clear_error();
  errno = 0;
  const int sent = SSL_write(ssl_, bytes, static_cast<int>(std::min<std::size_t>(size, INT32_MAX)));
  if (sent > 0) return {TunnelIo::State::moved, static_cast<std::size_t>(sent), 0};
  switch (SSL_get_error(ssl_, sent)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return {};
  default:
    return {TunnelIo::State::ended, 0, errno != 0 ? errno : EPIPE};
  }
}

HttpResponse Tunnel::exchange_http(std::string_view request, const std::string& peer,
                                   const std::function<Error()>& on_silence,
                                   const std::vector<std::string>& masked) {
  trace_head(">", request, masked);
  const Error timeout{Exit::network, fmt::format("no answer from {} within {} s", peer, timeout_seconds_),
                      "it accepted the connection but did not answer our HTTP request",
                      "check that this host and port serve HTTP; --connect-timeout sets the limit"};
  send_all(request, timeout, on_silence);
  std::string received;
  for (;;) {
    const std::size_t head_size = http_head_size(received);
    if (head_size != 0) {
      unread_ = received.substr(head_size);
      received.resize(head_size);
      break;
    }
    if (!starts_like_http(received))
      throw Error{Exit::protocol, fmt::format("{} did not answer in HTTP", peer),
                  fmt::format("its first bytes were {}", printable(received.substr(0, 16))),
                  "check the host, the port and the scheme: this port speaks another protocol"};
    if (received.size() > http_head_limit)
      throw Error{Exit::protocol,
                  fmt::format("{} sent an HTTP head larger than {} KiB", peer, http_head_limit / 1024),
                  "no proxy or WebSocket server needs that many header bytes", "check the server"};
    char chunk[read_chunk];
    const TunnelIo io = read(chunk, sizeof chunk);
    if (io.state == TunnelIo::State::ended) {
      if (received.empty()) throw on_silence();
      throw Error{Exit::protocol,
                  fmt::format("{} closed the connection in the middle of its HTTP answer", peer),
                  fmt::format("it sent {} bytes and no end of the headers", received.size()),
                  "check the server's log"};
    }
    if (io.state == TunnelIo::State::would_block) wait_for(POLLIN, timeout);
    received.append(chunk, io.bytes);
  }
  trace_head("<", received, masked);
  std::optional<HttpResponse> response = parse_http_response(received);
  if (!response)
    throw Error{Exit::protocol, fmt::format("{} sent an HTTP answer that cannot be read", peer),
                fmt::format("it begins '{}'", printable(received.substr(0, received.find('\n')))),
                "check the server's log"};
  return *response;
}

}  // namespace mq
