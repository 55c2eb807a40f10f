// The socket buffers (mq_socket_buffers) replace read(), write() and close() for the whole
// process, so their tests are a program of their own: a pair of connected Unix sockets stands for
// a session's socket (adopted, written to by libmosquitto) and the broker's end.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <string>
#include <utility>

#include "mq/socket_buffers.hpp"

namespace {

using mq::process_socket_buffers;

// Two connected non-blocking stream sockets: `ours` adopted by the buffers, `peer` not.
struct SocketPair {
  int ours = -1;
  int peer = -1;

  explicit SocketPair(int send_buffer = 0) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
    ours = fds[0];
    peer = fds[1];
    if (send_buffer > 0) {
      REQUIRE(::setsockopt(ours, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer) == 0);
      REQUIRE(::setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &send_buffer, sizeof send_buffer) == 0);
    }
    process_socket_buffers().adopt(ours);
  }
  ~SocketPair() {
    if (ours >= 0) ::close(ours);
    if (peer >= 0) ::close(peer);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;

  // Everything the peer can read now.
  std::string drain_peer() const {
    std::string received;
    char chunk[65536];
    for (;;) {
      const ssize_t got = ::read(peer, chunk, sizeof chunk);
      if (got <= 0) return received;
      received.append(chunk, static_cast<std::size_t>(got));
    }
  }
};

bool write_all(int fd, const std::string& bytes) {
  return ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
}

// Distinct bytes, so that a reordering or a gap shows.
std::string pattern(std::size_t size, std::size_t offset = 0) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>('a' + (offset + i) % 26 + ((offset + i) / 26) % 7);
  return bytes;
}

}  // namespace

TEST_CASE("gathered writes wait in the buffer and leave in order, with one write, when the gathering ends") {
  SocketPair sockets;
  process_socket_buffers().gather_writes(sockets.ours, true);
  CHECK(write_all(sockets.ours, "one "));
  CHECK(write_all(sockets.ours, "two "));
  CHECK(write_all(sockets.ours, "three"));
  CHECK(sockets.drain_peer().empty());
  CHECK(process_socket_buffers().unsent(sockets.ours) == 13);
  process_socket_buffers().gather_writes(sockets.ours, false);
  CHECK(process_socket_buffers().unsent(sockets.ours) == 0);
  CHECK(sockets.drain_peer() == "one two three");
  CHECK(write_all(sockets.ours, " four"));  // not gathering: at once
  CHECK(sockets.drain_peer() == " four");
}

TEST_CASE("a gathering larger than the buffer sends what it holds first, and a write larger than it goes "
          "straight out") {
  SocketPair sockets;
  const std::string first = pattern(40000);
  const std::string second = pattern(40000, 40000);
  const std::string large = pattern(100000, 80000);
  process_socket_buffers().gather_writes(sockets.ours, true);
  CHECK(write_all(sockets.ours, first));
  CHECK(write_all(sockets.ours, second));  // 80,000 > 64 KiB: the first leaves now
  std::string received = sockets.drain_peer();
  CHECK(received == first);
  CHECK(write_all(sockets.ours, large));
  process_socket_buffers().gather_writes(sockets.ours, false);
  received += sockets.drain_peer();
  CHECK(received == first + second + large);
}

TEST_CASE("what the kernel does not take waits as unsent, later writes fail with EAGAIN until it is sent, "
          "nothing is reordered") {
  SocketPair sockets{4096};
  // Fill the socket until the kernel takes no more.
  std::string sent_directly;
  for (std::size_t offset = 0;; offset += 1000) {
    const std::string chunk = pattern(1000, offset);
    const ssize_t wrote = ::write(sockets.ours, chunk.data(), chunk.size());
    if (wrote < 0) {
      CHECK(errno == EAGAIN);
      break;
    }
    sent_directly += chunk.substr(0, static_cast<std::size_t>(wrote));
    if (static_cast<std::size_t>(wrote) < chunk.size()) break;
  }
  const std::string gathered = pattern(3000, 7);
  process_socket_buffers().gather_writes(sockets.ours, true);
  CHECK(write_all(sockets.ours, gathered));
  process_socket_buffers().gather_writes(sockets.ours, false);
  CHECK(process_socket_buffers().unsent(sockets.ours) > 0);

  const std::string later = "later";
  errno = 0;
  CHECK(::write(sockets.ours, later.data(), later.size()) == -1);
  CHECK(errno == EAGAIN);

  std::string received;
  while (process_socket_buffers().unsent(sockets.ours) > 0) {
    received += sockets.drain_peer();
    process_socket_buffers().send_unsent(sockets.ours);
  }
  CHECK(write_all(sockets.ours, later));
  received += sockets.drain_peer();
  CHECK(received == sent_directly + gathered + later);
}

TEST_CASE("close() sends the bytes still gathered before the socket goes") {
  SocketPair sockets;
  process_socket_buffers().gather_writes(sockets.ours, true);
  CHECK(write_all(sockets.ours, "DISCONNECT"));
  ::close(std::exchange(sockets.ours, -1));
  CHECK(sockets.drain_peer() == "DISCONNECT");
}

TEST_CASE("on a broken connection the unsent bytes are dropped and the write reports the failure") {
  std::signal(SIGPIPE, SIG_IGN);
  SocketPair sockets{4096};
  const std::string bytes = pattern(60000);
  process_socket_buffers().gather_writes(sockets.ours, true);
  CHECK(write_all(sockets.ours, bytes));
  ::close(std::exchange(sockets.peer, -1));
  process_socket_buffers().gather_writes(sockets.ours, false);
  CHECK(process_socket_buffers().unsent(sockets.ours) == 0);
  errno = 0;
  CHECK(::write(sockets.ours, "x", 1) == -1);
  CHECK(errno == EPIPE);
}

TEST_CASE("one read from the kernel serves many small reads, and unread() counts what waits") {
  SocketPair sockets;
  CHECK(::write(sockets.peer, "0123456789", 10) == 10);
  char byte = 0;
  CHECK(::read(sockets.ours, &byte, 1) == 1);
  CHECK(byte == '0');
  CHECK(process_socket_buffers().unread(sockets.ours) == 9);
  char rest[16] = {};
  CHECK(::read(sockets.ours, rest, sizeof rest) == 9);
  CHECK(std::string(rest, 9) == "123456789");
  CHECK(process_socket_buffers().unread(sockets.ours) == 0);
  errno = 0;
  CHECK(::read(sockets.ours, rest, sizeof rest) == -1);  // drained a moment ago: not asked again
  CHECK(errno == EAGAIN);
}

TEST_CASE("descriptors not adopted are read and written as the C library does") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK) == 0);
  process_socket_buffers().gather_writes(fds[1], true);  // not adopted: nothing to gather in
  CHECK(::write(fds[1], "abc", 3) == 3);
  char got[4] = {};
  CHECK(::read(fds[0], got, sizeof got) == 3);
  CHECK(std::string(got, 3) == "abc");
  CHECK(process_socket_buffers().unsent(fds[1]) == 0);
  ::close(fds[0]);
  ::close(fds[1]);
}
