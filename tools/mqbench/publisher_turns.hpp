#pragma once

#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "mq/session.hpp"

namespace mq::bench {

/// Which publishers of a worker get a turn in the next round of its loop: the ones runnable now
/// and the ones whose next message falls due. A publisher is in a round at most once, however
/// often it is made runnable; `Publisher::queued` records that.
template <typename Publisher> class PublisherTurns {
public:
  /// Gives `publisher` a turn in the first round at or after `when`.
  void at(Clock::time_point when, Publisher& publisher) { timers_.emplace(when, &publisher); }
  /// Gives `publisher` a turn in the next round.
  void next_round(Publisher& publisher) {
    if (publisher.queued) return;
    publisher.queued = true;
    runnable_.push_back(&publisher);
  }
  /// When the next round is due: `now` if a publisher is runnable, nullopt if none waits.
  std::optional<Clock::time_point> next_due(Clock::time_point now) const {
    if (!runnable_.empty()) return now;
    if (!timers_.empty()) return timers_.top().first;
    return std::nullopt;
  }
  /// The publishers of the round at `now`, in the order they became runnable.
  std::vector<Publisher*> take_round(Clock::time_point now) {
    while (!timers_.empty() && timers_.top().first <= now) {
      Publisher* publisher = timers_.top().second;
      timers_.pop();
      next_round(*publisher);
    }
    std::vector<Publisher*> round;
    round.swap(runnable_);
    for (Publisher* publisher : round)
      publisher->queued = false;
    return round;
  }

private:
  using Timer = std::pair<Clock::time_point, Publisher*>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<Publisher*> runnable_;
};

}  // namespace mq::bench
