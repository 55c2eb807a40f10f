#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "mq/session.hpp"

namespace mq::bench {

/// A message handed to the broker and not yet acknowledged.
struct PendingPublish {
  int mid = -1;  // -1: the slot is free
  Clock::time_point scheduled;
  bool measured = false;
};

/// One publisher's messages in flight, found by message id: open addressing over twice the
/// window, so that ids wrapping from 65535 to 1 still find free slots nearby.
class InFlight {
public:
  /// Room for `window` messages (-M).
  void reserve_window(std::size_t window) {
    window_ = window;
    slots_.assign(2 * window + 1, PendingPublish{});
  }
  /// Adds a message; false when the table is full (more than the window in flight).
  bool add(const PendingPublish& message);
  /// Removes and returns the message with `mid`, if it is in flight.
  std::optional<PendingPublish> take(int mid);
  std::size_t size() const { return count_; }
  /// The window holds as many messages as -M allows: the publisher waits.
  bool full() const { return count_ >= window_; }
  /// A full window reopens at half, not at the first acknowledgement, so that the publisher then
  /// sends a burst (one write() for many messages) instead of one message per acknowledgement.
  bool reopens() const { return count_ <= window_ / 2; }

private:
  std::vector<PendingPublish> slots_;
  std::size_t window_ = 0;
  std::size_t count_ = 0;
};

}  // namespace mq::bench
