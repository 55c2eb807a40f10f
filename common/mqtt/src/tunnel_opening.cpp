#include "mq/tunnel_opening.hpp"

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

#include "mq/base64.hpp"
#include "mq/diagnostics.hpp"
#include "mq/signals.hpp"
#include "mq/text.hpp"
#include "mq/tls.hpp"

namespace mq {
namespace {

constexpr std::size_t read_chunk = 4096;

// Starts a non-blocking connect to one address; -1 (and `error_number`) when it failed at once.
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

std::string host_and_port(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

Error proxy_unreachable_error(const ProxyUrl& proxy, const Resolution& resolution, int error_number) {
  const std::string what = fmt::format("cannot reach the proxy {}", proxy.text());
  const std::string fix = "check --proxy (or MQ_PROXY): is a proxy listening at that host and port?";
  if (resolution.lookup_error != 0)
    return Error{
        Exit::network, what,
        fmt::format("its name '{}' does not resolve: {}", proxy.host, gai_strerror(resolution.lookup_error)),
        fix};
  return Error{Exit::network, what, std::strerror(error_number), fix};
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

std::string socks_peer(const ProxyUrl& proxy) { return fmt::format("the SOCKS5 proxy {}", proxy.text()); }

// SOCKS5 gives the broker's name, the user name and the password one byte of length each (RFC
// 1928, RFC 1929).
constexpr std::size_t socks_field_limit = 255;

std::string too_long_for_socks(std::string_view field, std::size_t size) {
  return fmt::format("{} is {} bytes long, and SOCKS5 carries at most {}", field, size, socks_field_limit);
}

// What SOCKS5 cannot carry is refused before connecting: sent, a name's length byte would wrap,
// and the proxy would take a shorter name and part of it for the port.
void check_socks_field_sizes(const ProxyUrl& proxy, const Endpoint& broker) {
  if (broker.host.size() > socks_field_limit)
    throw Error{Exit::usage,
                fmt::format("cannot ask {} to connect to {}", socks_peer(proxy),
                            host_and_port(broker.host, broker.port)),
                too_long_for_socks("the name", broker.host.size()),
                "check the broker's name (-h, or the host of -L): no DNS name is longer than 253 bytes"};
  const std::pair<const char*, const std::optional<std::string>&> login[] = {
      {"its user name", proxy.username}, {"its password", proxy.password}};
  for (const auto& [field, value] : login) {
    if (value && value->size() > socks_field_limit)
      throw Error{Exit::usage, fmt::format("cannot log in to {}", socks_peer(proxy)),
                  too_long_for_socks(field, value->size()),
                  "check the user name and password in --proxy (or MQ_PROXY)"};
  }
}

Error socks_ended_error(const ProxyUrl& proxy) {
  return Error{Exit::network,
               fmt::format("{} closed the connection during the SOCKS5 handshake", socks_peer(proxy)),
               "it is not a SOCKS5 proxy, or it refused us",
               "check --proxy (or MQ_PROXY); http:// names an HTTP proxy"};
}

Error socks_refusal(const ProxyUrl& proxy, const Endpoint& broker, std::string cause, std::string fix,
                    Exit code) {
  return Error{
      code,
      fmt::format("{} refused to connect to {}", socks_peer(proxy), host_and_port(broker.host, broker.port)),
      std::move(cause), std::move(fix)};
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

Error proxy_silence_error(const std::string& peer) {
  return Error{Exit::network, fmt::format("{} closed the connection at our CONNECT request", peer),
               "it is not an HTTP proxy, or it dropped the request",
               "check --proxy (or MQ_PROXY); socks5h:// names a SOCKS5 proxy"};
}

}  // namespace

// --- HttpExchange ---

HttpExchange::HttpExchange(std::string request, std::string peer, std::function<Error()> on_silence,
                           std::vector<std::string> masked, double timeout_seconds)
    : request_(std::move(request)), peer_(std::move(peer)), on_silence_(std::move(on_silence)),
      masked_(std::move(masked)), timeout_seconds_(timeout_seconds) {
  trace_head(">", request_, masked_);
}

Error HttpExchange::timeout_error() const {
  return Error{Exit::network, fmt::format("no answer from {} within {} s", peer_, timeout_seconds_),
               "it accepted the connection but did not answer our HTTP request",
               "check that this host and port serve HTTP; --connect-timeout sets the limit"};
}

std::optional<HttpResponse> HttpExchange::advance(Tunnel& tunnel) {
  while (sent_ < request_.size()) {
    const TunnelIo io = tunnel.write(request_.data() + sent_, request_.size() - sent_);
    if (io.state == TunnelIo::State::ended) throw on_silence_();
    if (io.state == TunnelIo::State::would_block) return std::nullopt;
    sent_ += io.bytes;
  }
  std::size_t head_size = 0;
  while ((head_size = http_head_size(received_)) == 0) {
    if (!starts_like_http(received_))
      throw Error{Exit::protocol, fmt::format("{} did not answer in HTTP", peer_),
                  fmt::format("its first bytes were {}", printable(received_.substr(0, 16))),
                  "check the host, the port and the scheme: this port speaks another protocol"};
    if (received_.size() > http_head_limit)
      throw Error{Exit::protocol,
                  fmt::format("{} sent an HTTP head larger than {} KiB", peer_, http_head_limit / 1024),
                  "no proxy or WebSocket server needs that many header bytes", "check the server"};
    char chunk[read_chunk];
    const TunnelIo io = tunnel.read(chunk, sizeof chunk);
    if (io.state == TunnelIo::State::would_block) return std::nullopt;
    if (io.state == TunnelIo::State::ended) {
      if (received_.empty()) throw on_silence_();
      throw Error{Exit::protocol,
                  fmt::format("{} closed the connection in the middle of its HTTP answer", peer_),
                  fmt::format("it sent {} bytes and no end of the headers", received_.size()),
                  "check the server's log"};
    }
    received_.append(chunk, io.bytes);
  }
  tunnel.unread(received_.substr(head_size));
  received_.resize(head_size);
  trace_head("<", received_, masked_);
  std::optional<HttpResponse> response = parse_http_response(received_);
  if (!response)
    throw Error{Exit::protocol, fmt::format("{} sent an HTTP answer that cannot be read", peer_),
                fmt::format("it begins '{}'", printable(received_.substr(0, received_.find('\n')))),
                "check the server's log"};
  return response;
}

// --- TunnelOpening ---

TunnelOpening::TunnelOpening(const ClientOptions& options, const ConnectAttempt& attempt, TlsContext* tls,
                             TunnelClock::time_point deadline)
    : options_(options), attempt_(attempt), tls_(tls), deadline_(deadline) {
  const std::optional<ProxyUrl>& proxy = options.transport.proxy;
  const std::string& bind = options.connection.bind_address;
  if (proxy && proxy->kind == ProxyUrl::Kind::socks5) check_socks_field_sizes(*proxy, attempt.endpoint);
  resolution_ = resolve_broker(proxy ? proxy->host : attempt.endpoint.host, bind);
  if (!proxy && resolution_.lookup_error != 0) throw resolve_error(resolution_, attempt, bind);
  if (!proxy && resolution_.targets.empty()) throw unpaired_error(resolution_, attempt, bind);
  if (proxy && resolution_.targets.empty()) throw proxy_unreachable_error(*proxy, resolution_, EADDRNOTAVAIL);
  target_ = 0;
  connect_next_address();
}

OpeningWait TunnelOpening::wait() const {
  switch (step_) {
  case Step::connecting:
    return {tunnel_.fd(), POLLOUT, target_deadline_};
  case Step::proxy_http:
    return {tunnel_.fd(), proxy_exchange_->events(), deadline_};
  case Step::socks_method:
  case Step::socks_login:
  case Step::socks_reply:
  case Step::socks_name_length:
  case Step::socks_address:
    return {tunnel_.fd(), static_cast<short>(sent_ < outgoing_.size() ? POLLOUT : POLLIN), deadline_};
  case Step::tls:
    return {tunnel_.fd(), static_cast<short>(tls_wants_write_ ? POLLOUT : POLLIN), deadline_};
  case Step::done:
    break;
  }
  return {tunnel_.fd(), 0, deadline_};
}

void TunnelOpening::advance() {
  if (step_ == Step::connecting) check_connected();
  if (step_ == Step::proxy_http) {
    if (std::optional<HttpResponse> answer = proxy_exchange_->advance(tunnel_)) {
      check_proxy_answer(*answer, *options_.transport.proxy, attempt_.endpoint);
      proxy_exchange_.reset();
      after_proxy();
    }
  }
  if (step_ >= Step::socks_method && step_ <= Step::socks_address) advance_socks();
  if (step_ == Step::tls) advance_tls();
  if (step_ != Step::done && step_ != Step::connecting && TunnelClock::now() >= deadline_)
    throw timeout_error();
}

Error TunnelOpening::timeout_error() const {
  const double seconds = options_.connection.connect_timeout;
  switch (step_) {
  case Step::proxy_http:
    return proxy_exchange_->timeout_error();
  case Step::tls:
    return connect_timeout_error(seconds, attempt_, tls_);
  default:
    return Error{Exit::network,
                 fmt::format("no answer from {} within {} s", socks_peer(*options_.transport.proxy), seconds),
                 "it accepted the connection but did not answer in SOCKS5",
                 "check that --proxy names a SOCKS5 proxy; --connect-timeout sets the limit"};
  }
}

// Each address the name resolves to in turn, each with its share of the time left.
void TunnelOpening::connect_next_address() {
  const std::optional<ProxyUrl>& proxy = options_.transport.proxy;
  const auto& targets = resolution_.targets;
  const int port = proxy ? proxy->port : attempt_.endpoint.port;
  while (target_ < targets.size()) {
    const auto now = TunnelClock::now();
    target_deadline_ = now + (deadline_ - now) / static_cast<int>(targets.size() - target_);
    const int fd = connect_started(targets[target_], port, connect_errno_);
    if (fd >= 0) {
      tunnel_ = Tunnel{fd};
      ++sockets_opened_;
      return;
    }
    ++target_;
  }
  tunnel_.close();
  if (proxy) throw proxy_unreachable_error(*proxy, resolution_, connect_errno_);
  throw connect_call_error(MOSQ_ERR_ERRNO, connect_errno_, attempt_, nullptr);
}

// A connecting socket becomes writable when the connect is done: then its error is the connect's.
void TunnelOpening::check_connected() {
  pollfd connecting{tunnel_.fd(), POLLOUT, 0};
  if (::poll(&connecting, 1, 0) <= 0) {
    if (TunnelClock::now() >= target_deadline_) give_up_address(ETIMEDOUT);
    return;
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(tunnel_.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) return give_up_address(error);
  after_tcp_connect();
}

void TunnelOpening::give_up_address(int error_number) {
  diag::debug("{}: {}", resolution_.targets[target_].address, std::strerror(error_number));
  connect_errno_ = error_number;
  ++target_;
  connect_next_address();
  if (step_ == Step::connecting) check_connected();
}

void TunnelOpening::after_tcp_connect() {
  if (options_.connection.nodelay) {
    const int on = 1;
    setsockopt(tunnel_.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  const std::optional<ProxyUrl>& proxy = options_.transport.proxy;
  if (proxy && proxy->kind == ProxyUrl::Kind::http) {
    const std::string peer = fmt::format("the proxy {}", proxy->text());
    diag::debug("asking {} to connect to {}", peer,
                host_and_port(attempt_.endpoint.host, attempt_.endpoint.port));
    proxy_exchange_.emplace(
        connect_request(*proxy, attempt_.endpoint), peer, [peer] { return proxy_silence_error(peer); },
        std::vector<std::string>{"proxy-authorization"}, options_.connection.connect_timeout);
    step_ = Step::proxy_http;
    return;
  }
  if (proxy && proxy->kind == ProxyUrl::Kind::socks5) return start_socks();
  after_proxy();
}

void TunnelOpening::after_proxy() {
  if (tls_) return start_tls();
  step_ = Step::done;
}

void TunnelOpening::expect_bytes(std::string bytes_to_send, std::size_t size_to_receive) {
  outgoing_ = std::move(bytes_to_send);
  sent_ = 0;
  incoming_.clear();
  wanted_ = size_to_receive;
}

// Sends what is to be sent, then receives what is wanted; whether all of both is done.
bool TunnelOpening::exchange_bytes() {
  while (sent_ < outgoing_.size()) {
    const TunnelIo io = tunnel_.write(outgoing_.data() + sent_, outgoing_.size() - sent_);
    if (io.state == TunnelIo::State::ended) throw socks_ended_error(*options_.transport.proxy);
    if (io.state == TunnelIo::State::would_block) return false;
    sent_ += io.bytes;
  }
  while (incoming_.size() < wanted_) {
    char chunk[read_chunk];
    const TunnelIo io = tunnel_.read(chunk, std::min(sizeof chunk, wanted_ - incoming_.size()));
    if (io.state == TunnelIo::State::ended) throw socks_ended_error(*options_.transport.proxy);
    if (io.state == TunnelIo::State::would_block) return false;
    incoming_.append(chunk, io.bytes);
  }
  return true;
}

void TunnelOpening::start_socks() {
  const ProxyUrl& proxy = *options_.transport.proxy;
  diag::debug("asking {} to connect to {}", socks_peer(proxy),
              host_and_port(attempt_.endpoint.host, attempt_.endpoint.port));
  const bool login = proxy.username.has_value();
  expect_bytes(login ? std::string{"\x05\x02\x00\x02", 4} : std::string{"\x05\x01\x00", 3}, 2);
  step_ = Step::socks_method;
}

// RFC 1928 and RFC 1929: the method, the login if the proxy chose it, the CONNECT and its reply
// (whose last part, the proxy's own address, has a length that depends on its type).
void TunnelOpening::advance_socks() {
  const ProxyUrl& proxy = *options_.transport.proxy;
  const Endpoint& broker = attempt_.endpoint;
  const std::string login_fix =
      "give the proxy's credentials in the URL: --proxy socks5h://USER:PASSWORD@HOST:PORT";
  while (step_ != Step::tls && step_ != Step::done && exchange_bytes()) {
    switch (step_) {
    case Step::socks_method: {
      const bool login = proxy.username.has_value();
      if (incoming_[0] != 5)
        throw Error{
            Exit::network, fmt::format("{} does not speak SOCKS5", socks_peer(proxy)),
            fmt::format("its first byte was {}", static_cast<int>(static_cast<unsigned char>(incoming_[0]))),
            "check --proxy (or MQ_PROXY); http:// names an HTTP proxy"};
      if (incoming_[1] == '\x02' && login) {
        const std::string& user = *proxy.username;
        const std::string password = proxy.password.value_or("");
        expect_bytes(fmt::format("\x01{}{}{}{}", static_cast<char>(user.size()), user,
                                 static_cast<char>(password.size()), password),
                     2);
        step_ = Step::socks_login;
        break;
      }
      if (incoming_[1] != 0)
        throw socks_refusal(proxy, broker,
                            login ? "it accepts none of the ways to log in we offer"
                                  : "it wants a username and password",
                            login_fix, Exit::authentication);
      expect_bytes(socks_connect_request(broker), 4);
      step_ = Step::socks_reply;
      break;
    }
    case Step::socks_login:
      if (incoming_[1] != 0)
        throw socks_refusal(proxy, broker, "it did not accept the username and password", login_fix,
                            Exit::authentication);
      expect_bytes(socks_connect_request(broker), 4);
      step_ = Step::socks_reply;
      break;
    case Step::socks_reply: {
      if (incoming_[1] != 0)
        throw socks_refusal(
            proxy, broker,
            fmt::format("it answered {}", socks_reply_text(static_cast<unsigned char>(incoming_[1]))),
            "check that the broker runs at that host and port, and that the proxy may reach it",
            Exit::network);
      // The proxy's own address: 4 or 16 bytes, or a name with its length first; then a port.
      const auto address_type = static_cast<unsigned char>(incoming_[3]);
      const bool named = address_type != 1 && address_type != 4;
      expect_bytes("", named ? 1 : (address_type == 1 ? 4 : 16) + std::size_t{2});
      step_ = named ? Step::socks_name_length : Step::socks_address;
      break;
    }
    case Step::socks_name_length:
      expect_bytes("", static_cast<unsigned char>(incoming_[0]) + std::size_t{2});
      step_ = Step::socks_address;
      break;
    case Step::socks_address:
      diag::debug("{} connected us to {}", socks_peer(proxy), host_and_port(broker.host, broker.port));
      after_proxy();
      break;
    default:
      return;
    }
  }
}

void TunnelOpening::start_tls() {
  tls_->start_handshake();
  tunnel_.ssl_ = SSL_new(tls_->native());
  if (!tunnel_.ssl_ || SSL_set_fd(tunnel_.ssl_, tunnel_.fd()) != 1)
    throw Error{Exit::internal, "OpenSSL could not start a TLS connection",
                ERR_reason_error_string(ERR_get_error())};
  SSL_set_mode(tunnel_.ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  step_ = Step::tls;
}

void TunnelOpening::advance_tls() {
  ERR_clear_error();
  const int rc = SSL_connect(tunnel_.ssl_);
  if (rc == 1) {
    step_ = Step::done;
    return;
  }
  const int reason = SSL_get_error(tunnel_.ssl_, rc);
  if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE)
    throw tls_handshake_error(attempt_, *tls_);
  tls_wants_write_ = reason == SSL_ERROR_WANT_WRITE;
}

void wait_blocking(const OpeningWait& wait) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(wait.until - TunnelClock::now()).count();
    if (left <= 0) return;
    pollfd watched[]{{wait.fd, wait.events, 0}, {StopSignals::fd(), POLLIN, 0}};
    if (::poll(watched, 2, static_cast<int>(left)) < 0 && errno != EINTR)
      throw Error{Exit::internal, fmt::format("poll failed: {}", std::strerror(errno))};
    if (StopSignals::received() != 0) throw interrupted_error(StopSignals::received());
    if (watched[0].revents != 0) return;
  }
}

}  // namespace mq
