#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

// One worker thread's event loop underneath its clients: the epoll set, and the descriptor other
// threads write to so that it looks at their news before its next timer.
namespace mq::bench {

class Reactor {
public:
  /// What the set holds for one socket; kept by the socket's owner and updated by watch().
  struct Registration {
    int fd = -1;
    unsigned serial = 0;  // which socket of that number (Session::socket_serial())
    std::uint32_t events = 0;
  };

  Reactor();
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  /// Makes the next (or current) wait() return; safe from any thread. From the thread that
  /// waits, it costs no system call: the next wait() only looks for events without blocking,
  /// and a wake() while wait() calls on_event needs nothing, since wait() returns next anyway.
  void wake();
  /// Watches socket `fd` (the `serial`th opened) for `events` (EPOLLIN, EPOLLOUT) with `tag`
  /// handed back by wait(); fd -1 watches nothing. A closed socket has left the set by itself,
  /// and its number may be another socket's now. Returns false when epoll refused (see errno).
  bool watch(Registration& registration, int fd, unsigned serial, std::uint32_t events, void* tag);
  /// Waits up to `timeout` and calls `on_event(tag, events)` for each ready socket; returns how
  /// long the thread was blocked waiting (not counting the calls).
  std::chrono::steady_clock::duration wait(std::chrono::steady_clock::duration timeout,
                                           const std::function<void(void*, std::uint32_t)>& on_event);

private:
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<std::thread::id> waiting_thread_;  // the thread that calls wait()
  bool woken_by_waiting_thread_ = false;         // only that thread touches it
};

}  // namespace mq::bench
