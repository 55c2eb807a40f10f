#include "mq/socket_reads.hpp"

#include <dlfcn.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace mq {
namespace {

using ReadFunction = ssize_t (*)(int, void*, size_t);
using CloseFunction = int (*)(int);

constexpr std::size_t capacity = 64 * 1024;

// The C library's functions, found past ours in the lookup order.
template <typename Function> Function next_definition(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

ssize_t system_read(int fd, void* buffer, size_t count) {
  static const auto real = next_definition<ReadFunction>("read");
  return real(fd, buffer, count);
}

int system_close(int fd) {
  static const auto real = next_definition<CloseFunction>("close");
  return real(fd);
}

// The adopted descriptor is compared by every read() and close() of the process, from any
// thread, hence atomic; the buffer itself is only touched by the thread that reads that socket.
std::atomic<int> adopted_fd{-1};
struct Buffer {
  char bytes[capacity];
  std::size_t begin = 0;
  std::size_t end = 0;
  bool drained = false;  // the last read() from the kernel returned less than asked
};
Buffer buffer;

ssize_t hand_out(void* destination, std::size_t count) {
  const std::size_t length = std::min(count, buffer.end - buffer.begin);
  std::memcpy(destination, buffer.bytes + buffer.begin, length);
  buffer.begin += length;
  return static_cast<ssize_t>(length);
}

ssize_t buffered_read(int fd, void* destination, std::size_t count) {
  if (count == 0) return 0;
  if (buffer.begin < buffer.end) return hand_out(destination, count);
  if (buffer.drained) {
    // The kernel had no more a moment ago: say so without asking again. The caller polls the
    // socket next, which reports any input that arrived since.
    buffer.drained = false;
    errno = EAGAIN;
    return -1;
  }
  if (count >= capacity) return system_read(fd, destination, count);  // a large body: no copy
  const ssize_t received = system_read(fd, buffer.bytes, capacity);
  if (received <= 0) return received;
  buffer.begin = 0;
  buffer.end = static_cast<std::size_t>(received);
  buffer.drained = buffer.end < capacity;
  return hand_out(destination, count);
}

// Stops buffering `fd` and drops what is buffered: its number may be reused at once.
void release(int fd) {
  int expected = fd;
  if (adopted_fd.compare_exchange_strong(expected, -1)) buffer.begin = buffer.end = 0;
}

class ProcessReadBuffer : public ReadBuffering {
public:
  void adopt(int fd) override {
    buffer.begin = buffer.end = 0;
    buffer.drained = false;
    adopted_fd.store(fd);
  }
  std::size_t pending(int fd) const override {
    return fd >= 0 && adopted_fd.load() == fd ? buffer.end - buffer.begin : 0;
  }
};

}  // namespace

ReadBuffering& process_read_buffer() {
  static ProcessReadBuffer instance;
  return instance;
}

}  // namespace mq

// <unistd.h> is not included here: with _FORTIFY_SOURCE it defines read() inline.
extern "C" ssize_t read(int fd, void* destination, size_t count) {
  if (fd < 0 || fd != mq::adopted_fd.load(std::memory_order_relaxed))
    return mq::system_read(fd, destination, count);
  return mq::buffered_read(fd, destination, count);
}

extern "C" int close(int fd) {
  mq::release(fd);  // the number may be reused at once by an unrelated file
  return mq::system_close(fd);
}
