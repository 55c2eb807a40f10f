#include "harness/process_sockets.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mq::test {
namespace {

// A file descriptor this process owns, closed when it goes.
class OwnedFd {
public:
  explicit OwnedFd(long fd, const char* made_by) : fd_(static_cast<int>(fd)) {
    if (fd_ < 0) throw std::runtime_error(std::string{made_by} + ": " + std::strerror(errno));
  }
  ~OwnedFd() { ::close(fd_); }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

int socket_option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  getsockopt(fd, level, name, &value, &length);
  return value;
}

bool is_tcp(int fd) {
  const int domain = socket_option(fd, SOL_SOCKET, SO_DOMAIN);
  return (domain == AF_INET || domain == AF_INET6) && socket_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM;
}

}  // namespace

std::vector<int> nodelay_of_tcp_sockets(int pid) {
  const OwnedFd process{syscall(SYS_pidfd_open, pid, 0), "pidfd_open"};
  std::vector<int> values;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd"}) {
    std::error_code ignored;
    if (!std::filesystem::read_symlink(entry.path(), ignored).string().starts_with("socket:")) continue;
    const OwnedFd copy{
        syscall(SYS_pidfd_getfd, process.get(), std::stoi(entry.path().filename().string()), 0),
        "pidfd_getfd"};
    if (is_tcp(copy.get()))
      values.push_back(socket_option(copy.get(), IPPROTO_TCP, TCP_NODELAY) != 0 ? 1 : 0);
  }
  return values;
}

}  // namespace mq::test
