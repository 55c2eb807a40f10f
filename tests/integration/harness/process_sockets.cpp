#include "harness/process_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace mq::test {
namespace {

// A file descriptor this process owns, closed when it goes.
class OwnedFd {
public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

// The port of the peer of a connected TCP socket, 0 for anything else.
int peer_port(int fd) {
  int type = 0;
  socklen_t length = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) return 0;
  sockaddr_storage peer{};
  length = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return 0;
  if (peer.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(peer).sin_port);
  if (peer.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(peer).sin6_port);
  return 0;
}

}  // namespace

std::optional<bool> tcp_nodelay_towards(int pid, int port) {
  const OwnedFd process{static_cast<int>(syscall(SYS_pidfd_open, pid, 0))};
  if (process.get() < 0) throw std::runtime_error("pidfd_open failed for pid " + std::to_string(pid));
  const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator{fds}) {
    const int their_fd = std::stoi(entry.path().filename().string());
    const OwnedFd ours{static_cast<int>(syscall(SYS_pidfd_getfd, process.get(), their_fd, 0))};
    if (ours.get() < 0 || peer_port(ours.get()) != port) continue;
    int nodelay = 0;
    socklen_t length = sizeof nodelay;
    if (getsockopt(ours.get(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &length) != 0)
      throw std::runtime_error("getsockopt(TCP_NODELAY) failed");
    return nodelay != 0;
  }
  return std::nullopt;
}

}  // namespace mq::test
