#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace mq::bench {

/// Follows the sequence numbers of one publisher as one subscriber receives them, and counts
/// what went wrong: numbers that never arrived (lost), arrived twice (duplicated), or arrived
/// after a higher number (reordered; a late arrival is then no longer counted as lost). It
/// remembers the last `window` numbers exactly, in memory that grows only while some are
/// missing; a number older than that window is counted as a duplicate.
class SequenceChecker {
public:
  static constexpr std::uint64_t window = 32768;

  /// `first`: the first number the publisher sent (0); unknown (a subscriber that may have
  /// started late): counting starts at the first number that arrives.
  explicit SequenceChecker(std::optional<std::uint64_t> first = 0);

  enum class Arrival { in_order, after_gap, late, duplicate };
  Arrival record(std::uint64_t sequence);

  /// Numbers below the highest one seen that have not arrived.
  std::uint64_t missing() const { return missing_; }
  std::uint64_t duplicated() const { return duplicated_; }
  std::uint64_t reordered() const { return reordered_; }
  /// Distinct numbers received.
  std::uint64_t unique() const { return unique_; }
  /// One past the highest number seen (the first expected one before anything arrived).
  std::uint64_t next() const { return next_; }
  /// Messages lost when the publisher sent numbers first..sent-1: the missing ones, and those
  /// above the highest seen.
  std::uint64_t lost(std::uint64_t sent) const { return missing_ + (sent > next_ ? sent - next_ : 0); }

private:
  bool seen(std::uint64_t sequence) const;
  void mark(std::uint64_t sequence);
  void forget_settled();

  bool started_;
  std::uint64_t base_;  // numbers below are settled: received, or counted as lost for good
  std::uint64_t next_;
  std::deque<std::uint64_t> words_;  // bit i of word j: base_ + 64 j + i has arrived
  std::uint64_t missing_ = 0;
  std::uint64_t duplicated_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t unique_ = 0;
};

}  // namespace mq::bench
