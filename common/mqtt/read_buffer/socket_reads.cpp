#include "mq/socket_reads.hpp"

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

using Storage = std::unique_ptr<char[]>;

// The storage of buffers that hold nothing, kept by each thread for its next kernel read: a
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

// One adopted socket: what was read from the kernel and not yet handed out. Only the thread
// that reads the socket touches it.
struct Buffer {
  Storage storage;  // null while empty
  std::size_t begin = 0;
  std::size_t end = 0;
  bool drained = false;  // the last read() from the kernel returned less than asked

  std::size_t waiting() const { return end - begin; }

  ssize_t hand_out(void* destination, std::size_t count) {
    const std::size_t length = std::min(count, waiting());
    std::memcpy(destination, storage.get() + begin, length);
    begin += length;
    if (begin == end) give_back_storage(std::move(storage));
    return static_cast<ssize_t>(length);
  }

  ssize_t read(int fd, void* destination, std::size_t count) {
    if (count == 0) return 0;
    if (waiting() > 0) return hand_out(destination, count);
    if (drained) {
      // The kernel had no more a moment ago: say so without asking again. The caller polls the
      // socket next, which reports any input that arrived since.
      drained = false;
      errno = EAGAIN;
      return -1;
    }
    if (count >= capacity) return system_read(fd, destination, count);  // a large body: no copy
    storage = take_storage();
    const ssize_t received = system_read(fd, storage.get(), capacity);
    if (received <= 0) {
      give_back_storage(std::move(storage));
      return received;
    }
    begin = 0;
    end = static_cast<std::size_t>(received);
    drained = end < capacity;
    return hand_out(destination, count);
  }
};

// The adopted sockets by descriptor, in pages made on first use, so that read() and close() of
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

// Never destroyed: read() and close() may be called during the process's exit.
BufferTable& table() {
  static BufferTable* const instance = new BufferTable;
  return *instance;
}

class ProcessReadBuffer : public ReadBuffering {
public:
  void adopt(int fd) override { table().adopt(fd); }
  std::size_t pending(int fd) const override {
    const Buffer* buffer = table().find(fd);
    return buffer ? buffer->waiting() : 0;
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
  mq::Buffer* buffer = mq::table().find(fd);
  return buffer ? buffer->read(fd, destination, count) : mq::system_read(fd, destination, count);
}

extern "C" int close(int fd) {
  mq::table().release(fd);  // the number may be reused at once by an unrelated file
  return mq::system_close(fd);
}
