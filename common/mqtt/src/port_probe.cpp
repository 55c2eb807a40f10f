#include "mq/port_probe.hpp"

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>
#include <utility>

#include "mq/diagnostics.hpp"

namespace mq {
namespace {

using ProbeClock = std::chrono::steady_clock;

// A plain MQTT v3.1.1 CONNECT: clean session, keepalive 60 s, empty client id (the broker
// picks one). Every MQTT broker answers it with CONNACK, even one that refuses it.
constexpr std::array<unsigned char, 14> plain_connect{0x10, 0x0C, 0x00, 0x04, 'M',  'Q',  'T',
                                                      'T',  0x04, 0x02, 0x00, 0x3C, 0x00, 0x00};
constexpr std::array<unsigned char, 2> plain_disconnect{0xE0, 0x00};
constexpr unsigned char connack_type = 0x20;
constexpr unsigned char tls_handshake_record = 0x16;
constexpr unsigned char tls_alert_record = 0x15;
constexpr unsigned char tls_major_version = 0x03;

class Socket {
public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }

private:
  int fd_;
};

int milliseconds_until(ProbeClock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - ProbeClock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Whether `fd` became ready for `events` before the deadline.
bool wait_for(int fd, short events, ProbeClock::time_point deadline) {
  for (;;) {
    const int left = milliseconds_until(deadline);
    if (left == 0) return false;
    pollfd watched{fd, events, 0};
    const int ready = ::poll(&watched, 1, left);
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

Socket connect_to(const Endpoint& endpoint, ProbeClock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &addresses) != 0)
    return Socket{};
  Socket connected;
  for (addrinfo* address = addresses; address != nullptr && !connected.open(); address = address->ai_next) {
    Socket candidate{::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                              address->ai_protocol)};
    if (!candidate.open()) continue;
    if (::connect(candidate.fd(), address->ai_addr, address->ai_addrlen) != 0) {
      if (errno != EINPROGRESS || !wait_for(candidate.fd(), POLLOUT, deadline)) continue;
      int error = 0;
      socklen_t length = sizeof error;
      if (getsockopt(candidate.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) continue;
    }
    connected = std::move(candidate);
  }
  freeaddrinfo(addresses);
  return connected;
}

// Reads up to `wanted` bytes; fewer when the peer closes or the deadline passes.
std::string receive(int fd, std::size_t wanted, ProbeClock::time_point deadline, bool& timed_out) {
  std::string bytes;
  timed_out = false;
  while (bytes.size() < wanted) {
    if (!wait_for(fd, POLLIN, deadline)) {
      timed_out = true;
      break;
    }
    char buffer[16];
    const ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, wanted - bytes.size()), 0);
    if (n > 0)
      bytes.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
      break;
  }
  return bytes;
}

void send_all(int fd, const unsigned char* bytes, std::size_t size) {
  [[maybe_unused]] const ssize_t sent = ::send(fd, bytes, size, MSG_NOSIGNAL);  // tiny: fits the buffer
}

PortSpeaks probe_plain_mqtt(const Endpoint& endpoint, ProbeClock::time_point deadline) {
  const Socket socket = connect_to(endpoint, deadline);
  if (!socket.open()) return PortSpeaks::unknown;
  send_all(socket.fd(), plain_connect.data(), plain_connect.size());
  bool timed_out = false;
  const std::string answer = receive(socket.fd(), 4, deadline, timed_out);
  if (answer.size() >= 2 && static_cast<unsigned char>(answer[0]) == connack_type) {
    if (answer.size() == 4 && answer[3] == 0)
      send_all(socket.fd(), plain_disconnect.data(), plain_disconnect.size());
    return PortSpeaks::plain_mqtt;
  }
  if (answer.size() >= 2 &&
      (static_cast<unsigned char>(answer[0]) == tls_alert_record ||
       static_cast<unsigned char>(answer[0]) == tls_handshake_record) &&
      static_cast<unsigned char>(answer[1]) == tls_major_version)
    return PortSpeaks::tls;
  if (answer.empty()) return timed_out ? PortSpeaks::unknown : PortSpeaks::closes;
  return PortSpeaks::other;
}

// What one probing handshake saw of the server.
struct HandshakeSeen {
  bool server_answered = false;  // a handshake message or an alert came back
  bool server_hello = false;     // the server agreed to a version
  std::string alert;             // the first fatal alert it sent
};

void note_message(int write_p, int, int content_type, const void* bytes, std::size_t length, SSL*,
                  void* seen) {
  if (write_p || (content_type != SSL3_RT_HANDSHAKE && content_type != SSL3_RT_ALERT)) return;
  auto& state = *static_cast<HandshakeSeen*>(seen);
  const auto* body = static_cast<const unsigned char*>(bytes);
  state.server_answered = true;
  if (content_type == SSL3_RT_HANDSHAKE && length > 0 && body[0] == SSL3_MT_SERVER_HELLO)
    state.server_hello = true;
  if (content_type == SSL3_RT_ALERT && length == 2 && body[0] == SSL3_AL_FATAL && state.alert.empty())
    state.alert = tls_alert_name(body[1]);
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// How one probing handshake goes: with a context of its own that verifies nothing, limited to
// `version` (0: any), or with the session's `context`; it stops at the ServerHello when that
// alone answers the question, and can wait after the handshake for what the server says.
struct HandshakePlan {
  int version = 0;
  SSL_CTX* context = nullptr;
  bool stop_at_hello = false;
  bool wait_after = false;
};

struct ProbeHandshake {
  HandshakeSeen seen;
  std::vector<CertificateFacts> chain;
  bool timed_out = false;
};

SSL_CTX* unverified_context(int version) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) return nullptr;
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  if (version != 0) {
    SSL_CTX_set_security_level(context, 0);  // TLS 1.1 needs it with OpenSSL 3
    SSL_CTX_set_min_proto_version(context, version);
    SSL_CTX_set_max_proto_version(context, version);
  }
  return context;
}

// Reads after the handshake until the server sends an alert or closes, or the deadline passes.
void wait_for_server(SSL* ssl, int fd, ProbeClock::time_point deadline) {
  char ignored[256];
  for (;;) {
    const int rc = SSL_read(ssl, ignored, sizeof ignored);
    if (rc > 0) continue;
    if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ || !wait_for(fd, POLLIN, deadline)) return;
  }
}

ProbeHandshake handshake(const Endpoint& endpoint, const HandshakePlan& plan,
                         ProbeClock::time_point deadline) {
  ProbeHandshake result;
  const Socket socket = connect_to(endpoint, deadline);
  if (!socket.open()) {
    result.timed_out = true;
    return result;
  }
  SSL_CTX* context = plan.context ? plan.context : unverified_context(plan.version);
  if (context == nullptr) return result;
  if (plan.context) SSL_CTX_up_ref(context);
  const bool stop_at_hello = plan.stop_at_hello;
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, socket.fd());
  if (!is_ip_address(endpoint.host)) SSL_set_tlsext_host_name(ssl, endpoint.host.c_str());
  SSL_set_msg_callback(ssl, note_message);
  SSL_set_msg_callback_arg(ssl, &result.seen);
  for (;;) {
    const int rc = SSL_connect(ssl);
    if (rc == 1) {
      if (plan.wait_after) wait_for_server(ssl, socket.fd(), deadline);
      break;
    }
    if (stop_at_hello && result.seen.server_hello) break;
    const int error = SSL_get_error(ssl, rc);
    const short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) break;
    if (!wait_for(socket.fd(), events, deadline)) {
      result.timed_out = true;
      break;
    }
  }
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl))
    for (int i = 0; i < sk_X509_num(chain); ++i)
      result.chain.push_back(certificate_facts(sk_X509_value(chain, i)));
  SSL_free(ssl);
  SSL_CTX_free(context);
  ERR_clear_error();
  return result;
}

std::vector<std::string> probe_tls_versions(const Endpoint& endpoint, ProbeClock::time_point deadline) {
  static constexpr std::array<std::pair<int, std::string_view>, 3> versions{
      {{TLS1_3_VERSION, "TLSv1.3"}, {TLS1_2_VERSION, "TLSv1.2"}, {TLS1_1_VERSION, "TLSv1.1"}}};
  std::vector<std::string> accepted;
  for (const auto& [version, name] : versions) {
    if (handshake(endpoint, HandshakePlan{version, nullptr, true, false}, deadline).seen.server_hello)
      accepted.emplace_back(name);
  }
  return accepted;
}

}  // namespace

SecondLook second_look_for(int mosq_rc, bool was_connected, const ConnectAttempt& attempt,
                           const TlsContext* tls) {
  if (was_connected || mosq_rc >= 0x80 || !attempt.endpoint.unix_path.empty()) return SecondLook::none;
  if (tls == nullptr) return SecondLook::tls;
  const TlsObservation& seen = tls->observation();
  if (tls->uses_psk() || seen.verify_error != 0) return SecondLook::none;
  if (seen.certificate_requested && !tls->has_client_certificate()) return SecondLook::none;
  if (seen.certificate_requested && seen.handshake_done && seen.alert_received.empty())
    return SecondLook::client_certificate;
  if (!seen.server_answered) return SecondLook::plain_mqtt;
  for (const std::string& alert : {seen.alert_received, seen.alert_sent}) {
    if (alert == "protocol version" || alert == "handshake failure" || alert == "insufficient security")
      return SecondLook::tls_versions;
  }
  return SecondLook::none;
}

PortProbe look_again(SecondLook look, const Endpoint& endpoint, const TlsContext* tls,
                     std::chrono::milliseconds timeout) {
  const auto deadline = ProbeClock::now() + timeout;
  PortProbe probe;
  probe.look = look;
  switch (look) {
  case SecondLook::none:
    break;
  case SecondLook::plain_mqtt:
    probe.speaks = probe_plain_mqtt(endpoint, deadline);
    break;
  case SecondLook::tls: {
    const ProbeHandshake seen = handshake(endpoint, HandshakePlan{}, deadline);
    probe.chain = seen.chain;
    probe.speaks = seen.seen.server_answered ? PortSpeaks::tls
                   : seen.timed_out          ? PortSpeaks::unknown
                                             : probe_plain_mqtt(endpoint, deadline);
    break;
  }
  case SecondLook::tls_versions:
    probe.tls_versions = probe_tls_versions(endpoint, deadline);
    probe.speaks = probe.tls_versions.empty() ? PortSpeaks::unknown : PortSpeaks::tls;
    break;
  case SecondLook::client_certificate: {
    if (tls == nullptr) break;
    const ProbeHandshake seen = handshake(endpoint, HandshakePlan{0, tls->native(), false, true}, deadline);
    probe.alert = seen.seen.alert;
    probe.speaks = seen.seen.server_answered ? PortSpeaks::tls : PortSpeaks::unknown;
    break;
  }
  }
  diag::debug("second look at {}: {}", endpoint.text(),
              probe.speaks == PortSpeaks::plain_mqtt ? "it speaks plain MQTT"
              : probe.speaks == PortSpeaks::tls      ? "it speaks TLS"
              : probe.speaks == PortSpeaks::other    ? "it speaks neither MQTT nor TLS"
              : probe.speaks == PortSpeaks::closes   ? "it closes connections without a word"
                                                     : "no answer");
  if (!probe.alert.empty()) diag::debug("second look: the server sent the TLS alert '{}'", probe.alert);
  return probe;
}

}  // namespace mq
