#pragma once

#include <chrono>
#include <optional>

namespace mq {

/// Whether and how a session reconnects after losing an established connection. Unacknowledged
/// QoS 1/2 messages are sent again (with DUP) once the new connection is up.
struct ReconnectPolicy {
  int max_attempts = 0;  // 0: never, the loss is a failure; -1: forever
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

/// When a session that lost its connection tries again: after first_delay, doubling up to
/// max_delay, at most max_attempts times in a row. A connection that lasted long enough counts
/// as a success and starts the count afresh; one that a broker drops at once does not, so a
/// broker that accepts and then refuses us exhausts the attempts.
class ReconnectSchedule {
public:
  using Clock = std::chrono::steady_clock;

  /// A connection shorter than this does not reset the count of attempts.
  static constexpr std::chrono::seconds stable_connection{10};

  void set_policy(ReconnectPolicy policy) { policy_ = policy; }
  const ReconnectPolicy& policy() const { return policy_; }
  /// Whether a lost connection is to be re-established at all.
  bool enabled() const { return policy_.max_attempts != 0; }
  /// Whether the connection is down and being re-established.
  bool active() const { return active_; }

  /// The connection (made at `connected_at`) was lost, or an attempt to re-establish it failed:
  /// returns whether to start reconnecting, which is true only the first time.
  bool lost(Clock::time_point connected_at, Clock::time_point now);
  /// The wait before the next attempt, from `now`; nullopt when the attempts are used up.
  std::optional<std::chrono::milliseconds> schedule_next(Clock::time_point now);
  /// Whether the next attempt is due; if so it counts as made.
  bool take_due_attempt(Clock::time_point now);
  Clock::time_point next_attempt() const { return next_attempt_; }
  /// The number of the attempt scheduled next (1 for the first).
  int next_attempt_number() const { return attempts_ + 1; }
  /// A connection was established again.
  void reconnected() { active_ = false; }

private:
  ReconnectPolicy policy_;
  bool active_ = false;
  int attempts_ = 0;
  Clock::time_point next_attempt_;
};

}  // namespace mq
