#pragma once

#include <optional>

// --find-max's search for the highest rate that meets the service level, without any I/O: it
// proposes the rate of each step and is told whether the step passed. First it grows
// geometrically from the starting rate until a step fails (or shrinks until one passes), then
// it bisects between the highest passing and the lowest failing rate until they are within the
// precision of each other.
namespace mq::bench {

/// How the search proceeds.
struct SearchSettings {
  double start = 1000;      // the first step's rate, messages (or connections) per second
  double growth = 2;        // each step before the first failure asks this many times the last
  double precision = 0.05;  // done when the lowest failing is within this fraction above the highest passing
  double lowest = 1;        // below this, give up looking for a passing rate
  double highest = 1e9;     // above this, give up looking for a failing rate
  int most_steps = 40;      // a bound on the steps whatever the broker does
};

/// Where the search stands.
class RateSearch {
public:
  /// Throws std::invalid_argument for settings that cannot end (non-finite, precision or growth
  /// out of range, start outside lowest..highest).
  explicit RateSearch(const SearchSettings& settings);

  /// The rate the next step should ask for; nothing when the search is over.
  std::optional<double> next() const;
  /// Records the outcome of a step at `rate` (the one next() proposed, or any other).
  void record(double rate, bool passed);

  /// The highest rate that passed so far: the limit once the search is over.
  std::optional<double> highest_passing() const { return passing_; }
  /// The lowest rate that failed so far.
  std::optional<double> lowest_failing() const { return failing_; }
  /// Steps recorded.
  int steps() const { return steps_; }
  /// Why the search ended; nothing while it goes on.
  enum class End { converged, nothing_passed, nothing_failed, step_limit };
  std::optional<End> end() const;

private:
  SearchSettings settings_;
  std::optional<double> passing_, failing_;
  int steps_ = 0;
};

}  // namespace mq::bench
