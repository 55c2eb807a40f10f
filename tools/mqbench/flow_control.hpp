#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "bench.hpp"
#include "stamp.hpp"

namespace mq::bench {

/// End-to-end flow control for pubsub without --rate: each subscriber records how far it has
/// received each publisher's stream, and a publisher keeps at most a window of messages on their
/// way to each of its subscribers, so that "as fast as possible" is as fast as messages get
/// through, not as fast as the broker (and the sockets) can buffer them.
///
/// Progress is a position in the publisher's sending order, not a count, so that a message the
/// broker dropped (QoS 0) costs nothing once a later one arrives. Warm-up and measured messages
/// are numbered apart in the stamps; positions put every measured message after every warm-up one.
/// Shared by every worker thread: each link (publisher → subscriber) is written by one thread.
class FlowControl {
public:
  /// A publisher's messages sent so far: `warmup` in the warm-up, then `measured`.
  struct Sent {
    std::uint64_t warmup = 0, measured = 0;
  };

  /// `window` messages may be on their way per publisher and subscriber.
  FlowControl(Pattern pattern, std::uint32_t publishers, std::uint32_t subscribers, std::uint64_t window);

  /// Called with a publisher that was waiting and may go on; runs on the thread of the delivery.
  void set_waker(std::function<void(std::uint32_t publisher)> wake) { wake_ = std::move(wake); }

  /// The message with `stamp` from `publisher` arrived at `subscriber`.
  void delivered(std::uint32_t publisher, std::uint32_t subscriber, const Stamp& stamp);
  /// `subscriber` is gone: its publishers no longer wait for it.
  void retire(std::uint32_t subscriber);

  /// The messages of `publisher` not yet through to its slowest subscriber.
  std::uint64_t outstanding(std::uint32_t publisher, Sent sent) const;
  /// Whether `publisher` may send one more.
  bool open(std::uint32_t publisher, Sent sent) const { return outstanding(publisher, sent) < window_; }
  /// Marks `publisher` waiting until at most half a window is outstanding; false (and not
  /// waiting) when that is so already. A waiting publisher is woken once.
  bool wait(std::uint32_t publisher, Sent sent);
  /// Whether `publisher` waits and was not woken yet.
  bool waiting(std::uint32_t publisher) const {
    return publisher < publishers_ && waiters_[publisher].waiting.load();
  }
  /// `publisher` goes on without being woken (it gave up waiting).
  void stop_waiting(std::uint32_t publisher);

  /// The position of a message in its publisher's sending order: 1, 2, ...
  static std::uint64_t position(const Stamp& stamp);
  /// The messages sent and not through when the subscriber is at position `arrived`.
  static std::uint64_t outstanding(Sent sent, std::uint64_t arrived);
  /// The position at which no more than `left` of `sent` are outstanding.
  static std::uint64_t position_leaving(Sent sent, std::uint64_t left);

private:
  struct alignas(64) Link {  // one cache line each: links written by different threads share none
    std::atomic<std::uint64_t> arrived{0};
  };
  struct alignas(64) Waiter {
    std::atomic<std::uint64_t> wake_at{0};
    std::atomic<bool> waiting{false};
  };
  // Pairs and fan-in: one link per publisher. Fan-out: one per subscriber.
  std::uint32_t link_of(std::uint32_t publisher, std::uint32_t subscriber) const {
    return pattern_ == Pattern::fan_out ? subscriber : publisher;
  }
  std::uint64_t arrived(std::uint32_t publisher) const;
  void advance(std::uint32_t link, std::uint64_t position);

  Pattern pattern_;
  std::uint32_t publishers_, links_;
  std::uint64_t window_;
  std::unique_ptr<Link[]> links_arrived_;
  std::unique_ptr<Waiter[]> waiters_;
  std::function<void(std::uint32_t)> wake_;
};

}  // namespace mq::bench
