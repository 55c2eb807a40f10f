#include "mq/socket_buffers.hpp"

#include <dlfcn.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace mq {
namespace {

using ReadFunction = ssize_t (*)(int, void*, size_t);
using WriteFunction = ssize_t (*)(int, const void*, size_t);
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

ssize_t system_write(int fd, const void* buffer, size_t count) {
  static const auto real = next_definition<WriteFunction>("write");
  return real(fd, buffer, count);
}

int system_close(int fd) {
  static const auto real = next_definition<CloseFunction>("close");
  return real(fd);
}

using Storage = std::unique_ptr<char[]>;

// The storage of buffers that hold nothing, kept by each thread for its next use: a
// buffer holds storage only while bytes wait in it, so thousands of idle sockets cost a few
// bytes each, not 64 KiB. A read() after the thread's pool is gone (during its exit) still works.
class SparePool {
public:
  ~SparePool();
  Storage take() {
    if (spare_.empty()) return Storage{new char[capacity]};  // not zeroed
    Storage storage = std::move(spare_.back());
    spare_.pop_back();
    return storage;
  }
  void give_back(Storage storage) {
    if (spare_.size() < kept) spare_.push_back(std::move(storage));
  }

private:
  static constexpr std::size_t kept = 4;
  std::vector<Storage> spare_;
};

thread_local SparePool spare_pool;
thread_local bool spare_pool_gone = false;  // set when the thread ends and the pool is destroyed
SparePool::~SparePool() { spare_pool_gone = true; }

Storage take_storage() { return spare_pool_gone ? Storage{new char[capacity]} : spare_pool.take(); }

void give_back_storage(Storage storage) {
  if (!spare_pool_gone) spare_pool.give_back(std::move(storage));
}

// What was read from the kernel and not yet handed out.
class Incoming {
public:
  std::size_t waiting() const { return end_ - begin_; }

  ssize_t read(int fd, void* destination, std::size_t count) {
    if (count == 0) return 0;
    if (waiting() > 0) return hand_out(destination, count);
    if (drained_) {
      // The kernel had no more a moment ago: say so without asking again. The caller polls the
      // socket next, which reports any input that arrived since.
      drained_ = false;
      errno = EAGAIN;
      return -1;
    }
    if (count >= capacity) return system_read(fd, destination, count);  // a large body: no copy
    storage_ = take_storage();
    const ssize_t received = system_read(fd, storage_.get(), capacity);
    if (received <= 0) {
      give_back_storage(std::move(storage_));
      return received;
    }
    begin_ = 0;
    end_ = static_cast<std::size_t>(received);
    drained_ = end_ < capacity;
    return hand_out(destination, count);
  }

private:
  ssize_t hand_out(void* destination, std::size_t count) {
    const std::size_t length = std::min(count, waiting());
    std::memcpy(destination, storage_.get() + begin_, length);
    begin_ += length;
    if (begin_ == end_) give_back_storage(std::move(storage_));
    return static_cast<ssize_t>(length);
  }

  Storage storage_;  // null while empty
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool drained_ = false;  // the last read() from the kernel returned less than asked
};

// What was written and not yet taken by the kernel: gathered, or left over by a short write.
class Outgoing {
public:
  std::size_t waiting() const { return end_ - begin_; }

  void gather(bool on) { gathering_ = on; }

  ssize_t write(int fd, const void* source, std::size_t count) {
    const bool fits = gathering_ && count <= capacity - end_;  // end_ is 0 while empty
    if (!fits && !send(fd)) return -1;                         // the bytes before these go first
    if (!gathering_ || count > capacity) return system_write(fd, source, count);
    if (!storage_) storage_ = take_storage();
    std::memcpy(storage_.get() + end_, source, count);
    end_ += count;
    return static_cast<ssize_t>(count);
  }

  // Sends what waits, as much as the kernel takes; true when nothing is left. A failure other
  // than EAGAIN drops it (errno says which).
  bool send(int fd) {
    while (waiting() > 0) {
      const ssize_t sent = system_write(fd, storage_.get() + begin_, waiting());
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) empty();
        return false;
      }
      begin_ += static_cast<std::size_t>(sent);
    }
    empty();
    return true;
  }

private:
  void empty() {
    const int error = errno;  // for the caller's report
    if (storage_) give_back_storage(std::move(storage_));
    begin_ = end_ = 0;
    errno = error;
  }

  Storage storage_;  // null while empty
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool gathering_ = false;
};

// One adopted socket. Only the thread that reads and writes the socket touches it.
struct Buffer {
  Incoming incoming;
  Outgoing outgoing;
};

// The adopted sockets by descriptor, in pages made on first use, so that read(), write() and close() of
// any descriptor, from any thread, find out with two loads whether it is one of them.
class BufferTable {
public:
  Buffer* find(int fd) const {
    if (fd < 0 || static_cast<std::size_t>(fd) >= page_size * page_count) return nullptr;
    const Page* page = pages_[static_cast<std::size_t>(fd) / page_size].load(std::memory_order_acquire);
    return page ? (*page)[static_cast<std::size_t>(fd) % page_size].load(std::memory_order_acquire) : nullptr;
  }

  // Returns false for a descriptor beyond the table (it is then read without a buffer).
  bool adopt(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= page_size * page_count) return false;
    std::atomic<Buffer*>& slot =
        page_for(static_cast<std::size_t>(fd))[static_cast<std::size_t>(fd) % page_size];
    delete slot.exchange(new Buffer, std::memory_order_acq_rel);
    return true;
  }

  // Stops buffering `fd` and drops what is buffered: its number may be reused at once.
  void release(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= page_size * page_count) return;
    Page* page = pages_[static_cast<std::size_t>(fd) / page_size].load(std::memory_order_acquire);
    if (page)
      delete (*page)[static_cast<std::size_t>(fd) % page_size].exchange(nullptr, std::memory_order_acq_rel);
  }

private:
  static constexpr std::size_t page_size = 1024;
  static constexpr std::size_t page_count = 1024;  // descriptors up to 1,048,575
  using Page = std::array<std::atomic<Buffer*>, page_size>;

  Page& page_for(std::size_t fd) {
    std::atomic<Page*>& entry = pages_[fd / page_size];
    if (Page* page = entry.load(std::memory_order_acquire)) return *page;
    const std::lock_guard lock{making_pages_};
    if (!entry.load(std::memory_order_relaxed)) entry.store(new Page{}, std::memory_order_release);
    return *entry.load(std::memory_order_relaxed);
  }

  std::array<std::atomic<Page*>, page_count> pages_{};
  std::mutex making_pages_;
};

// Never destroyed: read(), write() and close() may be called during the process's exit.
BufferTable& table() {
  static BufferTable* const instance = new BufferTable;
  return *instance;
}

class ProcessSocketBuffers : public SocketBuffering {
public:
  void adopt(int fd) override { table().adopt(fd); }
  std::size_t unread(int fd) const override {
    const Buffer* buffer = table().find(fd);
    return buffer ? buffer->incoming.waiting() : 0;
  }
  void gather_writes(int fd, bool on) override {
    Buffer* buffer = table().find(fd);
    if (!buffer) return;
    buffer->outgoing.gather(on);
    if (!on) buffer->outgoing.send(fd);
  }
  std::size_t unsent(int fd) const override {
    const Buffer* buffer = table().find(fd);
    return buffer ? buffer->outgoing.waiting() : 0;
  }
  void send_unsent(int fd) override {
    if (Buffer* buffer = table().find(fd)) buffer->outgoing.send(fd);
  }
};

}  // namespace

SocketBuffering& process_socket_buffers() {
  static ProcessSocketBuffers instance;
  return instance;
}

}  // namespace mq

// <unistd.h> is not included here: with _FORTIFY_SOURCE it defines read() inline.
extern "C" ssize_t read(int fd, void* destination, size_t count) {
  mq::Buffer* buffer = mq::table().find(fd);
  return buffer ? buffer->incoming.read(fd, destination, count) : mq::system_read(fd, destination, count);
}

extern "C" ssize_t write(int fd, const void* source, size_t count) {
  mq::Buffer* buffer = mq::table().find(fd);
  return buffer ? buffer->outgoing.write(fd, source, count) : mq::system_write(fd, source, count);
}

extern "C" int close(int fd) {
  // What was written and not sent yet leaves now, as far as the kernel takes it at once.
  if (mq::Buffer* buffer = mq::table().find(fd)) buffer->outgoing.send(fd);
  mq::table().release(fd);  // the number may be reused at once by an unrelated file
  return mq::system_close(fd);
}
