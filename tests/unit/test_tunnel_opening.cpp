// TunnelOpening (TCP, HTTP CONNECT and SOCKS5 proxies) and RelayOpening (the WebSocket handshake
// over it), driven in-process against peers this test plays by hand on loopback sockets: a
// WebSocket server, an HTTP proxy, a SOCKS5 proxy. One thread moves the opening on and answers
// for the peer in turn, so each test says exactly which bytes went each way.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "exit_child.hpp"
#include "mq/addresses.hpp"
#include "mq/base64.hpp"
#include "mq/client_options.hpp"
#include "mq/error.hpp"
#include "mq/relay.hpp"
#include "mq/tunnel_opening.hpp"
#include "mq/url.hpp"
#include "mq/websocket_handshake.hpp"
#include "scratch.hpp"
#include "support/mounts.hpp"

namespace {

using namespace std::chrono_literals;
using mq::TunnelClock;

// How long anything that happens at once on loopback may take before the test gives up.
constexpr auto patience = 5s;
const std::string switching = "HTTP/1.1 101 Switching Protocols\r\n";

std::string bytes(std::initializer_list<int> values) {
  std::string text;
  for (const int value : values)
    text += static_cast<char>(value);
  return text;
}

/// Waits up to `limit` for `fd` to be ready for `events`.
bool ready(int fd, short events, std::chrono::milliseconds limit) {
  pollfd watched{fd, events, 0};
  return ::poll(&watched, 1, static_cast<int>(limit.count())) > 0;
}

/// The test's end of a connection: a server or a proxy answering by hand.
class Peer {
public:
  explicit Peer(int fd) : fd_(fd) {}
  Peer(Peer&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() { close(); }

  void send(std::string_view text) {
    REQUIRE(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
  }
  /// `size` bytes, or fewer if they do not come within the patience.
  std::string receive(std::size_t size) {
    std::string received;
    const auto give_up = TunnelClock::now() + patience;
    while (received.size() < size && TunnelClock::now() < give_up && ready(fd_, POLLIN, 100ms)) {
      char chunk[4096];
      const ssize_t count = ::recv(fd_, chunk, std::min(sizeof chunk, size - received.size()), 0);
      if (count <= 0) break;
      received.append(chunk, static_cast<std::size_t>(count));
    }
    return received;
  }
  /// An HTTP request's head, up to its blank line.
  std::string receive_head() {
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      const std::string next = receive(1);
      if (next.empty()) break;
      head += next;
    }
    return head;
  }
  void close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

private:
  int fd_ = -1;
};

/// A TCP socket on 127.0.0.1 at a port the kernel chose: listening, or only bound (a port where
/// connections are refused, and that no one else takes while it lives).
class Port {
public:
  explicit Port(bool listening = true) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    if (listening) REQUIRE(::listen(fd_, 8) == 0);
  }
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port() { ::close(fd_); }

  int number() const { return port_; }
  /// Whether a connection waits to be accepted.
  bool connection_waiting() const { return ready(fd_, POLLIN, 0ms); }
  Peer accept() {
    REQUIRE(ready(fd_, POLLIN, patience));
    const int peer = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(peer >= 0);
    return Peer{peer};
  }

private:
  int fd_;
  int port_ = 0;
};

// What a tool's options and its session's attempt hold for one connection (session.cpp).

mq::ClientOptions websocket_options() {
  mq::ClientOptions options;
  options.transport.websocket = true;
  options.connection.connect_timeout = 5;
  return options;
}

mq::ClientOptions proxy_options(const std::string& url, bool websocket) {
  mq::ClientOptions options;
  options.transport.websocket = websocket;
  options.transport.proxy = mq::parse_proxy_url(url);
  options.connection.connect_timeout = 5;
  return options;
}

mq::ConnectAttempt attempt_at(const std::string& host, int port, const mq::ClientOptions& options) {
  mq::ConnectAttempt attempt;
  attempt.endpoint = {host, port, "", false, options.transport.websocket ? options.transport.path() : ""};
  return attempt;
}

// The broker behind a proxy: never resolved here, only named to the proxy.
mq::ConnectAttempt remote_broker(const mq::ClientOptions& options) {
  return attempt_at("broker.example", 8083, options);
}

TunnelClock::time_point deadline_for(const mq::ClientOptions& options) {
  return TunnelClock::now() + std::chrono::duration_cast<TunnelClock::duration>(
                                  std::chrono::duration<double>(options.connection.connect_timeout));
}

/// Moves `opening` on until it is open, as a loop does (Relay::open): each time its socket is
/// ready, or its time is up. Throws what the opening throws.
template <typename Opening> void open_fully(Opening& opening) {
  const auto give_up = TunnelClock::now() + patience + 1s;
  for (opening.advance(); !opening.done(); opening.advance()) {
    REQUIRE_MESSAGE(TunnelClock::now() < give_up, "the opening neither finished nor failed");
    const mq::OpeningWait wait = opening.wait();
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(wait.until - TunnelClock::now());
    ready(wait.fd, wait.events, std::clamp(left, 0ms, 100ms));
  }
}

/// Moves `opening` on until all it had to send is sent and it waits for an answer.
template <typename Opening> void until_it_waits_for_an_answer(Opening& opening) {
  const auto give_up = TunnelClock::now() + patience;
  for (opening.advance(); !opening.done() && (opening.wait().events & POLLOUT) != 0; opening.advance()) {
    REQUIRE_MESSAGE(TunnelClock::now() < give_up, "the opening did not get its request out");
    ready(opening.wait().fd, POLLOUT, 100ms);
  }
}

/// Moves `opening` on once the answer its peer was sent arrives, until it waits for the next one.
template <typename Opening> void after_the_answer(Opening& opening) {
  REQUIRE(ready(opening.wait().fd, POLLIN, patience));
  until_it_waits_for_an_answer(opening);
}

/// The Error `body` throws; the test fails if it throws none.
mq::Error error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const mq::Error& error) {
    return error;
  }
  FAIL("no Error was thrown");
  return mq::Error{mq::Exit::ok, ""};
}

/// The value of header `name` in a request head, "" when absent.
std::string header_of(const std::string& head, const std::string& name) {
  const std::string start = "\r\n" + name + ": ";
  const std::size_t at = head.find(start);
  if (at == std::string::npos) return "";
  const std::size_t value = at + start.size();
  return head.substr(value, head.find("\r\n", value) - value);
}

/// A right answer to a handshake request, before its blank line.
std::string accepting(const std::string& request, const std::string& subprotocol = "mqtt") {
  std::string answer = switching + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                       mq::websocket_accept_for(header_of(request, "Sec-WebSocket-Key")) + "\r\n";
  if (!subprotocol.empty()) answer += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
  return answer;
}

/// A ws:// opening to a server on a loopback port that the test plays: it reads the request, then
/// answers what the test says.
struct Handshake {
  explicit Handshake(mq::ClientOptions options_given = websocket_options())
      : options(std::move(options_given)),
        opening(options, attempt_at("127.0.0.1", server_port.number(), options), nullptr,
                deadline_for(options), mq::SilenceDiagnosis::none) {}

  std::string request() {
    until_it_waits_for_an_answer(opening);
    server.emplace(server_port.accept());
    return server->receive_head();
  }
  mq::Error refusal(const std::function<std::string(const std::string&)>& answer) {
    server_says(answer(request()));
    return error_of([&] { open_fully(opening); });
  }
  void server_says(const std::string& text) { server->send(text); }

  Port server_port;
  mq::ClientOptions options;
  mq::RelayOpening opening;
  std::optional<Peer> server;
};

std::string ws_endpoint(const Handshake& handshake) {
  return "ws://127.0.0.1:" + std::to_string(handshake.server_port.number()) + "/mqtt";
}

}  // namespace

// --- WebSockets (ws://) ---

TEST_CASE("ws:// opening sends the upgrade request, and a right 101 opens the relay") {
  mq::ClientOptions options = websocket_options();
  options.transport.ws_path = "/ws/path";
  options.transport.ws_headers = {"X-Token: t0k3n"};
  Handshake handshake{options};
  const std::string request = handshake.request();
  const std::string key = header_of(request, "Sec-WebSocket-Key");
  CHECK(request ==
        "GET /ws/path HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(handshake.server_port.number()) +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
            "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\nX-Token: t0k3n\r\n\r\n");
  CHECK(mq::base64_decode(key).value_or("").size() == 16);
  CHECK_FALSE(handshake.opening.done());

  handshake.server_says(accepting(request) + "\r\n");
  open_fully(handshake.opening);
  const std::unique_ptr<mq::Relay> relay = handshake.opening.finish();
  CHECK(relay->subprotocol() == "mqtt");
  CHECK(relay->http_status() == "HTTP/1.1 101 Switching Protocols");
  CHECK(relay->tunnel_socket() >= 0);
}

TEST_CASE("ws:// opening reads an answer that comes byte by byte") {
  Handshake handshake;
  const std::string answer = accepting(handshake.request()) + "\r\n";
  for (std::size_t at = 0; at + 1 < answer.size(); ++at) {
    handshake.server_says(answer.substr(at, 1));
    const mq::OpeningWait wait = handshake.opening.wait();
    REQUIRE(ready(wait.fd, wait.events, patience));
    handshake.opening.advance();
    REQUIRE_FALSE(handshake.opening.done());
  }
  handshake.server_says(answer.substr(answer.size() - 1));
  open_fully(handshake.opening);
  CHECK(handshake.opening.finish()->http_status() == "HTTP/1.1 101 Switching Protocols");
}

TEST_CASE(
    "ws:// opening keeps what follows the 101 in the same segment: the first frame reaches the client") {
  Handshake handshake;
  const std::string request = handshake.request();
  handshake.server_says(accepting(request) + "\r\n" + bytes({0x82, 3}) + "abc");
  open_fully(handshake.opening);
  const std::unique_ptr<mq::Relay> relay = handshake.opening.finish();

  const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, relay->socket_path().c_str(), sizeof address.sun_path - 1);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  relay->accept_client();
  CHECK(relay->has_buffered_input());
  relay->pump(0, 0);
  Peer libmosquitto{client};
  CHECK(libmosquitto.receive(3) == "abc");
}

TEST_CASE("ws:// refusals by status: 404 names the path (exit 7), 401 and 403 are exit 5") {
  mq::ClientOptions options = websocket_options();
  options.transport.ws_path = "/nothing";
  Handshake not_found{options};
  const mq::Error missing =
      not_found.refusal([](const std::string&) { return "HTTP/1.1 404 Not Found\r\n\r\n"; });
  CHECK(missing.code() == mq::Exit::protocol);
  CHECK(std::string{missing.what()} ==
        "the WebSocket handshake with ws://127.0.0.1:" + std::to_string(not_found.server_port.number()) +
            "/nothing (path /nothing) was refused");
  CHECK(missing.cause() ==
        "the server answered 'HTTP/1.1 404 Not Found': nothing serves WebSockets at /nothing");
  CHECK(missing.fix().find("--ws-path: /mqtt") != std::string::npos);

  for (const std::string status : {"401 Unauthorized", "403 Forbidden"}) {
    CAPTURE(status);
    Handshake refused;
    const mq::Error error =
        refused.refusal([&](const std::string&) { return "HTTP/1.1 " + status + "\r\n\r\n"; });
    CHECK(error.code() == mq::Exit::authentication);
    CHECK(error.cause() ==
          "the server answered 'HTTP/1.1 " + status + "': it wants credentials or refuses ours");
  }
}

TEST_CASE("ws:// 101 answers that fail the checks are exit 7: the accept key, Upgrade, the subprotocol") {
  const auto accept_header = [](const std::string& request) {
    return "Sec-WebSocket-Accept: " + mq::websocket_accept_for(header_of(request, "Sec-WebSocket-Key")) +
           "\r\n";
  };
  SUBCASE("a wrong Sec-WebSocket-Accept") {
    Handshake handshake;
    const mq::Error error = handshake.refusal([](const std::string&) {
      // The accept of another key: what a server (or cache) answering someone else's request sends.
      return switching + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
             mq::websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ==") +
             "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
    });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(std::string{error.what()} ==
          "the WebSocket handshake with " + ws_endpoint(handshake) + " (path /mqtt) failed");
    CHECK(error.cause().starts_with(
        "its Sec-WebSocket-Accept 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' is not the one our "
        "key asks for ('"));
  }
  SUBCASE("no Sec-WebSocket-Accept") {
    Handshake handshake;
    const mq::Error error = handshake.refusal([](const std::string&) {
      return switching + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
    });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(error.cause() == "its answer has no Sec-WebSocket-Accept header");
  }
  SUBCASE("no Upgrade") {
    Handshake handshake;
    const mq::Error error = handshake.refusal([&](const std::string& request) {
      return switching + "Connection: Upgrade\r\n" + accept_header(request) +
             "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
    });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(error.cause() ==
          "the server answered 'HTTP/1.1 101 Switching Protocols' without 'Upgrade: websocket' "
          "and 'Connection: Upgrade'");
  }
  SUBCASE("the subprotocol asked for not accepted") {
    Handshake handshake;
    const mq::Error error =
        handshake.refusal([](const std::string& request) { return accepting(request, "") + "\r\n"; });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(error.cause() == "the server did not accept the subprotocol 'mqtt'");
    CHECK(error.fix().find("--ws-subprotocol") != std::string::npos);
  }
  SUBCASE("another subprotocol chosen") {
    Handshake handshake;
    const mq::Error error =
        handshake.refusal([](const std::string& request) { return accepting(request, "mqttv3.1") + "\r\n"; });
    CHECK(error.cause() == "the server chose the subprotocol 'mqttv3.1' instead of 'mqtt'");
  }
}

TEST_CASE("ws:// server closing at the handshake: no answer at all, or half a head (exit 7)") {
  SUBCASE("closed without a byte") {
    Handshake handshake;
    handshake.request();
    handshake.server->close();
    const mq::Error error = error_of([&] { open_fully(handshake.opening); });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(std::string{error.what()} ==
          ws_endpoint(handshake) + " closed the connection at our WebSocket handshake");
    CHECK(error.cause() == "the server sent no HTTP answer: the port speaks another protocol");
  }
  SUBCASE("closed without a byte, having been asked for a subprotocol it does not serve") {
    mq::ClientOptions options = websocket_options();
    options.transport.ws_subprotocol = "mqttv9";
    Handshake handshake{options};
    CHECK(header_of(handshake.request(), "Sec-WebSocket-Protocol") == "mqttv9");
    handshake.server->close();
    const mq::Error error = error_of([&] { open_fully(handshake.opening); });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(error.cause().starts_with("the server sent no HTTP answer: it refuses the subprotocol 'mqttv9'"));
  }
  SUBCASE("closed in the middle of its head") {
    Handshake handshake;
    handshake.request();
    handshake.server_says(switching + "Upgrade: webs");
    handshake.server->close();
    const mq::Error error = error_of([&] { open_fully(handshake.opening); });
    CHECK(error.code() == mq::Exit::protocol);
    CHECK(std::string{error.what()} ==
          "the server " + ws_endpoint(handshake) + " closed the connection in the middle of its HTTP answer");
    CHECK(error.cause() ==
          "it sent " + std::to_string(switching.size() + 13) + " bytes and no end of the headers");
  }
}

TEST_CASE("ws:// server silent past the deadline: exit 3 naming it and --connect-timeout's value") {
  mq::ClientOptions options = websocket_options();
  options.connection.connect_timeout = 0.2;
  Handshake handshake{options};
  handshake.request();
  const auto started = TunnelClock::now();
  const mq::Error error = error_of([&] { open_fully(handshake.opening); });
  CHECK(TunnelClock::now() - started < patience);
  CHECK(error.code() == mq::Exit::network);
  CHECK(std::string{error.what()} == "no answer from the server " + ws_endpoint(handshake) + " within 0.2 s");
  CHECK(error.fix().find("--connect-timeout") != std::string::npos);
}

TEST_CASE("a port where nothing listens: connection refused, exit 3 naming the endpoint") {
  const Port closed{false};
  mq::ClientOptions options = websocket_options();
  const mq::Error error = error_of([&] {
    mq::RelayOpening opening{options, attempt_at("127.0.0.1", closed.number(), options), nullptr,
                             deadline_for(options), mq::SilenceDiagnosis::none};
    open_fully(opening);
  });
  CHECK(error.code() == mq::Exit::network);
  CHECK(std::string{error.what()} ==
        "cannot connect to ws://127.0.0.1:" + std::to_string(closed.number()) + "/mqtt");
  CHECK(error.cause() == "nothing is listening there (connection refused)");
}

namespace {

/// In a new mount namespace: whether its mounts are private now (made so, or none was shared).
bool made_mounts_private() {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) return true;
  return errno == EINVAL && !mq::test::any_shared_mount();  // "/" is no mount point: a chroot
}

/// Runs `body` in a child process that resolves names with `hosts` as its /etc/hosts (bound over
/// it in a mount namespace of its own: root); returns what `body` returned, or why it could not run.
std::string resolving_with(const std::string& hosts, const std::function<std::string()>& body) {
  mq::test::Scratch scratch{"tunnel-hosts"};
  mq::test::put(scratch / "hosts", hosts, 0644);
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_ends[0]);
    std::string said;
    if (::unshare(CLONE_NEWNS) != 0 || !made_mounts_private() ||
        ::mount((scratch / "hosts").c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
      said = std::string{"cannot bind a hosts file over /etc/hosts: "} + std::strerror(errno);
    } else {
      try {
        said = body();
      } catch (const std::exception& error) {
        said = std::string{"threw: "} + error.what();
      } catch (...) {
        said = "threw";
      }
    }
    [[maybe_unused]] const ssize_t written = ::write(pipe_ends[1], said.data(), said.size());
    mq::test::exit_child(0);
  }
  ::close(pipe_ends[1]);
  std::string said;
  char chunk[512];
  for (ssize_t count; (count = ::read(pipe_ends[0], chunk, sizeof chunk)) > 0;)
    said.append(chunk, static_cast<std::size_t>(count));
  ::close(pipe_ends[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return said;
}

// Run in a child resolving two.test to ::1 then 127.0.0.1: the addresses, and whether an opening
// reaches a listener on the second when nothing listens on the first.
std::string opening_on_the_second_address() {
  const mq::Resolution resolution = mq::resolve_broker("two.test", "");
  const std::string addresses = resolution.targets.size() == 2
                                    ? resolution.targets[0].address + " then " + resolution.targets[1].address
                                    : "not two addresses";
  Port listening;  // on 127.0.0.1 only
  const mq::ClientOptions options;
  mq::TunnelOpening opening{options, attempt_at("two.test", listening.number(), options), nullptr,
                            TunnelClock::now() + patience};
  open_fully(opening);
  listening.accept();
  return addresses + ": open";
}

// The same when both refuse: the cause of the Error.
std::string cause_when_both_refuse() {
  const Port closed{false};
  const mq::ClientOptions options;
  return error_of([&] {
           mq::TunnelOpening opening{options, attempt_at("two.test", closed.number(), options), nullptr,
                                     TunnelClock::now() + patience};
           open_fully(opening);
         })
      .cause();
}

}  // namespace

TEST_CASE("a name of two addresses: the first refuses, the opening goes on to the second") {
  REQUIRE_MESSAGE(::geteuid() == 0, "binding a hosts file needs root (CI runs the tests as root)");
  const std::string hosts = "::1 two.test\n127.0.0.1 two.test\n";
  CHECK(resolving_with(hosts, opening_on_the_second_address) == "::1 then 127.0.0.1: open");
  CHECK(resolving_with(hosts, cause_when_both_refuse) == "nothing is listening there (connection refused)");
}

// --- HTTP CONNECT proxies ---

TEST_CASE("HTTP proxy: CONNECT with Basic credentials, 200, then the WebSocket upgrade on the same socket") {
  Port proxy_port;
  const mq::ClientOptions options =
      proxy_options("http://alice:s3cret@127.0.0.1:" + std::to_string(proxy_port.number()), true);
  mq::RelayOpening opening{options, remote_broker(options), nullptr, deadline_for(options),
                           mq::SilenceDiagnosis::none};
  until_it_waits_for_an_answer(opening);
  Peer proxy = proxy_port.accept();
  CHECK(proxy.receive_head() == "CONNECT broker.example:8083 HTTP/1.1\r\nHost: broker.example:8083\r\n"
                                "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n");
  proxy.send("HTTP/1.1 200 Connection established\r\n\r\n");
  after_the_answer(opening);
  const std::string request = proxy.receive_head();
  CHECK(request.starts_with("GET /mqtt HTTP/1.1\r\nHost: broker.example:8083\r\nUpgrade: websocket\r\n"));
  CHECK_FALSE(opening.done());
  proxy.send(accepting(request) + "\r\n");
  open_fully(opening);
  CHECK(opening.finish()->subprotocol() == "mqtt");
}

TEST_CASE("HTTP proxy without credentials nor WebSockets: the tunnel is open at the proxy's 200") {
  Port proxy_port;
  const mq::ClientOptions options =
      proxy_options("http://127.0.0.1:" + std::to_string(proxy_port.number()), false);
  mq::TunnelOpening opening{options, remote_broker(options), nullptr, deadline_for(options)};
  until_it_waits_for_an_answer(opening);
  Peer proxy = proxy_port.accept();
  CHECK(proxy.receive_head() == "CONNECT broker.example:8083 HTTP/1.1\r\nHost: broker.example:8083\r\n\r\n");
  proxy.send("HTTP/1.0 200 Connection established\r\nProxy-agent: test\r\n\r\nMQTT");
  open_fully(opening);
  mq::Tunnel tunnel = opening.take();
  char first[8];
  const mq::TunnelIo io = tunnel.read(first, sizeof first);
  REQUIRE(io.state == mq::TunnelIo::State::moved);
  CHECK(std::string(first, io.bytes) == "MQTT");  // the broker's first bytes, sent behind the head
}

TEST_CASE("HTTP proxy refusals: 407 is exit 5, 403 and 502 exit 3, each showing its status line") {
  struct Case {
    std::string url_credentials;
    std::string status_line;
    mq::Exit code;
    std::string cause;
  };
  const Case cases[] = {
      {"", "HTTP/1.1 407 Proxy Authentication Required", mq::Exit::authentication,
       "it asks for credentials ('HTTP/1.1 407 Proxy Authentication Required')"},
      {"alice:wrong@", "HTTP/1.1 407 Proxy Authentication Required", mq::Exit::authentication,
       "it asks for credentials ('HTTP/1.1 407 Proxy Authentication Required') and did not accept the user "
       "name "
       "and password given"},
      {"", "HTTP/1.1 403 Access violation", mq::Exit::network,
       "it answered CONNECT with 'HTTP/1.1 403 Access violation'"},
      {"", "HTTP/1.1 502 Bad Gateway", mq::Exit::network,
       "it answered CONNECT with 'HTTP/1.1 502 Bad Gateway'"},
  };
  for (const Case& refusal : cases) {
    CAPTURE(refusal.status_line);
    Port proxy_port;
    const std::string proxy_text =
        "http://" + refusal.url_credentials + "127.0.0.1:" + std::to_string(proxy_port.number());
    const mq::ClientOptions options = proxy_options(proxy_text, true);
    mq::RelayOpening opening{options, remote_broker(options), nullptr, deadline_for(options),
                             mq::SilenceDiagnosis::none};
    until_it_waits_for_an_answer(opening);
    Peer proxy = proxy_port.accept();
    proxy.receive_head();
    proxy.send(refusal.status_line + "\r\nContent-Length: 0\r\n\r\n");
    const mq::Error error = error_of([&] { open_fully(opening); });
    CHECK(error.code() == refusal.code);
    CHECK(std::string{error.what()} ==
          "the proxy " + options.transport.proxy->text() + " refused to connect to broker.example:8083");
    CHECK(error.cause() == refusal.cause);
  }
}

// --- SOCKS5 proxies (socks5h://) ---

namespace {

// RFC 1928's CONNECT for broker.example:8083, by name (address type 3).
const std::string socks_connect_to_broker =
    bytes({5, 1, 0, 3, 14}) + "broker.example" + bytes({8083 >> 8, 8083 & 0xff});
const std::string socks_success_ipv4 = bytes({5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x93});

struct SocksProxy {
  explicit SocksProxy(const std::string& credentials)
      : options(
            proxy_options("socks5h://" + credentials + "127.0.0.1:" + std::to_string(port.number()), false)),
        opening(options, remote_broker(options), nullptr, deadline_for(options)) {}

  /// The next `size` bytes the opening sends, once it waits for the answer.
  std::string receive(std::size_t size) {
    if (peer)
      after_the_answer(opening);
    else
      until_it_waits_for_an_answer(opening);
    if (!peer) peer.emplace(port.accept());
    return peer->receive(size);
  }

  Port port;
  mq::ClientOptions options;
  mq::TunnelOpening opening;
  std::optional<Peer> peer;
};

}  // namespace

TEST_CASE("SOCKS5 without credentials: no-login greeting, CONNECT by the broker's name, success") {
  SocksProxy proxy{""};
  CHECK(proxy.receive(3) == bytes({5, 1, 0}));
  proxy.peer->send(bytes({5, 0}));
  CHECK(proxy.receive(socks_connect_to_broker.size() + 1) == socks_connect_to_broker);
  CHECK_FALSE(proxy.opening.done());
  proxy.peer->send(socks_success_ipv4 + "MQTT");
  open_fully(proxy.opening);
  mq::Tunnel tunnel = proxy.opening.take();
  char first[8];
  REQUIRE(ready(tunnel.fd(), POLLIN, patience));
  const mq::TunnelIo io = tunnel.read(first, sizeof first);
  REQUIRE(io.state == mq::TunnelIo::State::moved);
  CHECK(std::string(first, io.bytes) == "MQTT");  // the reply is read to its end, and not past it
}

TEST_CASE("SOCKS5 with credentials: RFC 1929's login, then CONNECT, and a reply giving the proxy's address "
          "as a name") {
  SocksProxy proxy{"alice:s3cret@"};
  CHECK(proxy.receive(4) == bytes({5, 2, 0, 2}));
  proxy.peer->send(bytes({5, 2}));
  CHECK(proxy.receive(14) == bytes({1, 5}) + "alice" + bytes({6}) + "s3cret");
  proxy.peer->send(bytes({1, 0}));
  CHECK(proxy.receive(socks_connect_to_broker.size()) == socks_connect_to_broker);
  // The bound address as a name, sent in pieces: its length decides how much more to read.
  proxy.peer->send(bytes({5, 0, 0, 3, 9}) + "proxy.lan");
  after_the_answer(proxy.opening);
  CHECK_FALSE(proxy.opening.done());
  proxy.peer->send(bytes({0x04, 0x00}));
  open_fully(proxy.opening);
  CHECK(proxy.opening.done());
}

TEST_CASE("SOCKS5 refusals: the reply code named (exit 3), logins refused or wanted (exit 5)") {
  const auto refusal_after_connect = [](int reply_code) {
    SocksProxy proxy{""};
    proxy.receive(3);
    proxy.peer->send(bytes({5, 0}));
    proxy.receive(socks_connect_to_broker.size());
    proxy.peer->send(bytes({5, reply_code, 0, 1, 0, 0, 0, 0, 0, 0}));
    const mq::Error error = error_of([&] { open_fully(proxy.opening); });
    CHECK(std::string{error.what()} == "the SOCKS5 proxy " + proxy.options.transport.proxy->text() +
                                           " refused to connect to broker.example:8083");
    return error;
  };
  SUBCASE("a CONNECT refused, the reply code named") {
    const mq::Error refused = refusal_after_connect(5);
    CHECK(refused.code() == mq::Exit::network);
    CHECK(refused.cause() == "it answered connection refused (5)");
    CHECK(refusal_after_connect(2).cause() == "it answered connection not allowed by ruleset (2)");
    CHECK(refusal_after_connect(0x42).cause() == "it answered reply code 66");
  }

  SUBCASE("a login it does not accept") {
    SocksProxy proxy{"alice:wrong@"};
    proxy.receive(4);
    proxy.peer->send(bytes({5, 2}));
    proxy.receive(13);
    proxy.peer->send(bytes({1, 1}));
    const mq::Error error = error_of([&] { open_fully(proxy.opening); });
    CHECK(error.code() == mq::Exit::authentication);
    CHECK(error.cause() == "it did not accept the username and password");
  }
  SUBCASE("no acceptable method without credentials") {
    SocksProxy proxy{""};
    proxy.receive(3);
    proxy.peer->send(bytes({5, 0xff}));
    const mq::Error error = error_of([&] { open_fully(proxy.opening); });
    CHECK(error.code() == mq::Exit::authentication);
    CHECK(error.cause() == "it wants a username and password");
  }
}

namespace {

// The error of opening through a proxy at `scheme`://127.0.0.1 that accepts and never answers,
// with a 0.2 s connect timeout; and the proxy's text as the options give it.
std::pair<mq::Error, std::string> silent_proxy_error(const std::string& scheme, bool websocket) {
  Port proxy_port;
  mq::ClientOptions options =
      proxy_options(scheme + "://127.0.0.1:" + std::to_string(proxy_port.number()), websocket);
  options.connection.connect_timeout = 0.2;
  mq::TunnelOpening opening{options, remote_broker(options), nullptr, deadline_for(options)};
  until_it_waits_for_an_answer(opening);
  const Peer proxy = proxy_port.accept();
  return {error_of([&] { open_fully(opening); }), options.transport.proxy->text()};
}

}  // namespace

TEST_CASE("proxies silent past the deadline, and a proxy that cannot be reached: exit 3 naming them") {
  SUBCASE("an HTTP proxy that never answers CONNECT") {
    const auto [error, proxy] = silent_proxy_error("http", true);
    CHECK(error.code() == mq::Exit::network);
    CHECK(std::string{error.what()} == "no answer from the proxy " + proxy + " within 0.2 s");
  }
  SUBCASE("a SOCKS5 proxy that never answers the greeting") {
    const auto [error, proxy] = silent_proxy_error("socks5h", false);
    CHECK(error.code() == mq::Exit::network);
    CHECK(std::string{error.what()} == "no answer from the SOCKS5 proxy " + proxy + " within 0.2 s");
  }
  SUBCASE("a proxy port where nothing listens") {
    const Port closed{false};
    const mq::ClientOptions options =
        proxy_options("http://127.0.0.1:" + std::to_string(closed.number()), true);
    const mq::Error error = error_of([&] {
      mq::TunnelOpening opening{options, remote_broker(options), nullptr, deadline_for(options)};
      open_fully(opening);
    });
    CHECK(error.code() == mq::Exit::network);
    CHECK(std::string{error.what()} == "cannot reach the proxy " + options.transport.proxy->text());
    CHECK(error.cause() == "Connection refused");
  }
}

TEST_CASE("SOCKS5 cannot carry a broker name or a login part longer than 255 bytes: exit 2, nothing sent") {
  Port proxy_port;
  const std::string proxy = "127.0.0.1:" + std::to_string(proxy_port.number());
  const auto error_opening = [](const mq::ClientOptions& options, const std::string& host) {
    return error_of([&] {
      mq::TunnelOpening opening{options, attempt_at(host, 1883, options), nullptr, deadline_for(options)};
      open_fully(opening);
    });
  };
  const std::string long_name = std::string(256, 'a') + ".example";
  const mq::Error name_error = error_opening(proxy_options("socks5h://" + proxy, false), long_name);
  CHECK(name_error.code() == mq::Exit::usage);
  CHECK(name_error.cause() == "the name is 264 bytes long, and SOCKS5 carries at most 255");
  CHECK(std::string{name_error.what()} ==
        "cannot ask the SOCKS5 proxy socks5h://" + proxy + " to connect to " + long_name + ":1883");

  const mq::Error login_error =
      error_opening(proxy_options("socks5h://alice:" + std::string(300, 'p') + "@" + proxy, false), "broker");
  CHECK(login_error.code() == mq::Exit::usage);
  CHECK(std::string{login_error.what()} == "cannot log in to the SOCKS5 proxy socks5h://alice:***@" + proxy);
  CHECK(login_error.cause() == "its password is 300 bytes long, and SOCKS5 carries at most 255");
  CHECK_FALSE(proxy_port.connection_waiting());  // no connection was made
}
