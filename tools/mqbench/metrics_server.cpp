#include "metrics_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http_request.hpp"
#include "mq/http_response.hpp"

namespace mq::bench {
namespace {

using std::chrono::steady_clock;

constexpr int listen_backlog = 16;
constexpr auto accept_pause = std::chrono::milliseconds(100);  // after accept() failed (no descriptors)

// An IPv4 or IPv6 address and port as a socket address; empty `address`: every address, IPv6
// and IPv4 together.
struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET6;
  bool wildcard = false;  // every address
};

ListenAddress listen_address(const std::string& address, int port) {
  ListenAddress result;
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage);
  if (address.empty() || inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    if (address.empty()) v6->sin6_addr = in6addr_any;
    result.wildcard = address.empty();
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    result.length = sizeof(sockaddr_in6);
    return result;
  }
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) != 1)
    throw usage_error(fmt::format("--metrics-bind '{}' is not an IP address", address),
                      "give one of this machine's addresses, such as 127.0.0.1 or ::1, or leave "
                      "--metrics-bind out to listen on every address");
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<std::uint16_t>(port));
  result.length = sizeof(sockaddr_in);
  result.family = AF_INET;
  return result;
}

Error listen_error(int error, const std::string& where, int port) {
  const std::string what = fmt::format("cannot serve the metrics at {}", where);
  switch (error) {
  case EADDRINUSE:
    return Error{Exit::network, what, fmt::format("another program listens on port {} already", port),
                 "give another --metrics-port, or 0 for a free one (mqbench prints which)"};
  case EADDRNOTAVAIL:
    return Error{Exit::network, what, "the --metrics-bind address is not an address of this machine",
                 "give one of this machine's addresses (ip -brief address lists them), or leave "
                 "--metrics-bind out to listen on every address"};
  case EACCES:
    return Error{
        Exit::network, what,
        fmt::format("ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; port {}", port),
        "give a --metrics-port from 1024 up, or 0 for a free one"};
  default:
    return Error{Exit::network, what, std::strerror(error), "give another --metrics-port or --metrics-bind"};
  }
}

// A listening socket at `address`; the IPv6 wildcard takes IPv4 too.
int open_listener(const ListenAddress& address, const std::string& where, int port) {
  const int fd = socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EAFNOSUPPORT && address.wildcard)  // a kernel without IPv6: every IPv4 address
    return open_listener(listen_address("0.0.0.0", port), where, port);
  if (fd < 0) throw listen_error(errno, where, port);
  const int on = 1, off = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // a restarted run takes its port back at once
  if (address.family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 ||
      listen(fd, listen_backlog) != 0) {
    const int error = errno;
    close(fd);
    throw listen_error(error, where, port);
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return storage.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

std::string host_text(const std::string& address) {
  if (address.empty()) return "[::]";
  return address.find(':') != std::string::npos ? fmt::format("[{}]", address) : address;
}

std::string http_answer(std::string_view status, std::string_view content_type, std::string_view body,
                        std::string_view extra_headers = {}) {
  return fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n{}",
                     status, content_type, body.size(), extra_headers, body);
}

std::string plain_answer(std::string_view status, std::string_view text,
                         std::string_view extra_headers = {}) {
  return http_answer(status, "text/plain; charset=utf-8", fmt::format("{}\n", text), extra_headers);
}

}  // namespace

MetricsServer::MetricsServer(const MetricsOptions& options,
                             std::function<std::string(ExpositionFormat)> render)
    : render_(std::move(render)), address_text_(host_text(options.bind)) {
  const int asked_port = options.port.value_or(0);
  const ListenAddress address = listen_address(options.bind, asked_port);
  listener_ = open_listener(address, fmt::format("{}:{}", address_text_, asked_port), asked_port);
  port_ = bound_port(listener_);
  stop_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_ < 0) {
    close(listener_);
    throw Error{Exit::internal,
                fmt::format("cannot make an eventfd for the metrics endpoint: {}", std::strerror(errno))};
  }
  thread_ = std::thread{[this] { serve(); }};
}

MetricsServer::~MetricsServer() {
  const std::uint64_t one = 1;
  if (write(stop_, &one, sizeof one) < 0) {
    // An eventfd's counter cannot overflow from one write: the thread sees it.
  }
  thread_.join();
  for (const Connection& connection : connections_)
    close(connection.fd);
  close(stop_);
  close(listener_);
}

std::string MetricsServer::url() const { return fmt::format("http://{}:{}/metrics", address_text_, port_); }

void MetricsServer::serve() {
  for (;;) {
    const auto now = steady_clock::now();
    std::erase_if(connections_, [now](const Connection& connection) {
      if (connection.deadline > now) return false;
      close(connection.fd);  // too slow to send its request, or to read the answer
      return true;
    });
    std::vector<pollfd> watched{{stop_, POLLIN, 0},
                                {now >= accept_paused_until_ ? listener_ : -1, POLLIN, 0}};
    auto wake = now + connection_time;
    for (const Connection& connection : connections_) {
      watched.push_back({connection.fd, static_cast<short>(connection.answer.empty() ? POLLIN : POLLOUT), 0});
      wake = std::min(wake, connection.deadline);
    }
    if (now < accept_paused_until_) wake = std::min(wake, accept_paused_until_);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    if (poll(watched.data(), watched.size(), static_cast<int>(std::max<long>(wait, 0))) < 0 && errno != EINTR)
      return;
    if (watched[0].revents != 0) return;
    if (watched[1].revents != 0) accept_connections();
    for (std::size_t i = 2; i < watched.size(); ++i) {
      if (watched[i].revents == 0) continue;
      Connection& connection = connections_[i - 2];
      const bool open = connection.answer.empty() ? read_request(connection) : write_answer(connection);
      if (!open) {
        close(connection.fd);
        connection.fd = -1;
      }
    }
    std::erase_if(connections_, [](const Connection& connection) { return connection.fd < 0; });
  }
}

void MetricsServer::accept_connections() {
  for (;;) {
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        accept_paused_until_ = steady_clock::now() + accept_pause;  // out of descriptors, most likely
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    if (connections_.size() >= connection_limit) {
      close(fd);
      continue;
    }
    connections_.push_back(Connection{fd, {}, {}, 0, steady_clock::now() + connection_time});
  }
}

// Reads what the client sent; once a head is complete (or too long), the answer is ready and
// its writing starts. False when the connection is over.
bool MetricsServer::read_request(Connection& connection) {
  char buffer[4096];
  const ssize_t got =
      recv(connection.fd, buffer, std::min(sizeof buffer, request_limit + 1 - connection.received.size()), 0);
  if (got == 0) return false;
  if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  connection.received.append(buffer, static_cast<std::size_t>(got));
  const std::size_t head = http_head_size(connection.received);
  if (head != 0 && head <= request_limit)
    connection.answer = answer_to(std::string_view{connection.received}.substr(0, head));
  else if (connection.received.size() > request_limit)
    connection.answer = plain_answer("431 Request Header Fields Too Large",
                                     fmt::format("a request head is at most {} bytes", request_limit));
  else
    return true;
  shutdown(connection.fd, SHUT_RD);
  return write_answer(connection);
}

bool MetricsServer::write_answer(Connection& connection) {
  while (connection.written < connection.answer.size()) {
    const ssize_t sent = send(connection.fd, connection.answer.data() + connection.written,
                              connection.answer.size() - connection.written, MSG_NOSIGNAL);
    if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    connection.written += static_cast<std::size_t>(sent);
  }
  return false;  // all written: closing ends the answer (Connection: close)
}

std::string MetricsServer::answer_to(std::string_view head) const {
  const std::optional<HttpRequest> request = parse_http_request(head);
  if (!request) return plain_answer("400 Bad Request", "not an HTTP/1.x request");
  if (request->path != "/metrics") return plain_answer("404 Not Found", "the metrics are at /metrics");
  if (request->method != "GET")
    return plain_answer("405 Method Not Allowed", "the metrics are read with GET", "Allow: GET\r\n");
  const ExpositionFormat format = negotiated_format(request->accept);
  return http_answer("200 OK", content_type(format), render_(format), "Vary: Accept\r\n");
}

}  // namespace mq::bench
