#include "reactor.hpp"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "mq/error.hpp"

namespace mq::bench {
namespace {

constexpr int events_per_wait = 256;

}  // namespace

Reactor::Reactor() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    const int error = errno;
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw Error{Exit::internal, fmt::format("cannot create an event loop: {}", std::strerror(error))};
  }
  epoll_event wake{EPOLLIN, {nullptr}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
}

Reactor::~Reactor() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void Reactor::wake() {
  if (std::this_thread::get_id() == waiting_thread_.load(std::memory_order_relaxed)) {
    woken_by_waiting_thread_ = true;
    return;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
}

bool Reactor::watch(Registration& registration, int fd, unsigned serial, std::uint32_t events, void* tag) {
  if (fd != registration.fd || serial != registration.serial) registration = Registration{};
  if (fd < 0) return true;
  if (registration.fd == fd && registration.events == events) return true;
  epoll_event event{events, {tag}};
  const int operation = registration.fd == fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd_, operation, fd, &event) != 0) return false;
  registration = Registration{fd, serial, events};
  return true;
}

std::chrono::steady_clock::duration Reactor::wait(std::chrono::steady_clock::duration timeout,
                                                  const std::function<void(void*, std::uint32_t)>& on_event) {
  using namespace std::chrono_literals;
  waiting_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  const auto left = std::exchange(woken_by_waiting_thread_, false)
                        ? std::chrono::steady_clock::duration::zero()
                        : std::max(timeout, std::chrono::steady_clock::duration::zero());
  const timespec limit{static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(left).count()),
                       static_cast<long>((left % 1s).count())};
  epoll_event events[events_per_wait];
  const auto before = std::chrono::steady_clock::now();
  int ready = epoll_pwait2(epoll_fd_, events, events_per_wait, &limit, nullptr);
  if (ready < 0 && errno == ENOSYS)  // a kernel older than 5.11: millisecond timers, rounded up
    ready = epoll_wait(epoll_fd_, events, events_per_wait,
                       static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
  const auto blocked = std::chrono::steady_clock::now() - before;
  for (int i = 0; i < ready; ++i) {
    if (events[i].data.ptr == nullptr) {
      std::uint64_t drained = 0;
      [[maybe_unused]] const auto got = ::read(wake_fd_, &drained, sizeof drained);
      continue;
    }
    on_event(events[i].data.ptr, events[i].events);
  }
  woken_by_waiting_thread_ = false;  // by on_event: the caller looks at its news now
  return blocked;
}

}  // namespace mq::bench
