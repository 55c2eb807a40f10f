#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstdint>

#include "mq/session.hpp"
#include "reactor.hpp"

// The sockets of one client that its thread's epoll set watches: libmosquitto's, and for a
// relayed session (WebSockets, a proxy) the relay's two, which the same loop drives: no thread
// per connection. Each socket is registered with a tag of its own, so that an event names it.
namespace mq::bench {

template <typename Owner> class SessionSockets {
public:
  /// What the reactor hands back with an event.
  struct Tag {
    Owner* owner;
    int index;  // 0: libmosquitto's socket; 1: libmosquitto's connection at the relay; 2: the tunnel
  };

  explicit SessionSockets(Owner& owner) : tags_{Tag{&owner, 0}, Tag{&owner, 1}, Tag{&owner, 2}} {}
  SessionSockets(const SessionSockets&) = delete;
  SessionSockets& operator=(const SessionSockets&) = delete;

  /// Watches the sockets of `session` (null: none) as it now needs; false when epoll refused
  /// (see errno).
  bool sync(Reactor& reactor, const Session* session) {
    const int fd = session ? session->socket() : -1;
    const std::uint32_t wanted = EPOLLIN | (fd >= 0 && session->wants_write() ? EPOLLOUT : 0u);
    if (!reactor.watch(registrations_[0], fd, session ? session->socket_serial() : 0, wanted, &tags_[0]))
      return false;
    const std::array<pollfd, 2> relay =
        session ? session->relay_watches() : std::array<pollfd, 2>{pollfd{-1, 0, 0}, pollfd{-1, 0, 0}};
    for (std::size_t i = 0; i < relay.size(); ++i) {
      if (!reactor.watch(registrations_[i + 1], relay[i].fd, session ? session->relay_serial() : 0,
                         epoll_events(relay[i].events), &tags_[i + 1]))
        return false;
    }
    return true;
  }

  /// The sockets were closed with their session: they left the set by themselves.
  void forget() { registrations_ = {}; }

  /// Hands the events of a relay socket (tag index 1 or 2) to the session.
  static void handle_relay(Session& session, const Tag& tag, std::uint32_t events) {
    const short ready = poll_events(events);
    session.handle_relay(tag.index == 1 ? ready : short{0}, tag.index == 2 ? ready : short{0});
  }

private:
  static std::uint32_t epoll_events(short events) {
    return ((events & POLLIN) ? EPOLLIN : 0u) | ((events & POLLOUT) ? EPOLLOUT : 0u);
  }
  static short poll_events(std::uint32_t events) {
    return static_cast<short>(((events & EPOLLIN) ? POLLIN : 0) | ((events & EPOLLOUT) ? POLLOUT : 0) |
                              ((events & EPOLLERR) ? POLLERR : 0) | ((events & EPOLLHUP) ? POLLHUP : 0));
  }

  std::array<Tag, 3> tags_;
  std::array<Reactor::Registration, 3> registrations_{};
};

}  // namespace mq::bench
