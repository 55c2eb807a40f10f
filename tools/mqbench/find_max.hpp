#pragma once

#include <optional>
#include <string>
#include <vector>

#include "limits.hpp"
#include "rate_search.hpp"
#include "results.hpp"

// --find-max without the running: judging each step against the service level, the search
// over the steps, and the lines that tell the outcome. run.cpp runs the steps.
namespace mq::bench {

/// The share of the asked rate a step must achieve to pass (what arrives during the drain after
/// the step does not count).
inline constexpr double kept_rate_share = 0.95;
/// The share of the measured time mqbench's threads may be busy before they count as the bottleneck.
inline constexpr double saturated_share = 0.9;
/// --find-max's first step without --rate or --total-rate, messages per second.
inline constexpr double default_start_rate = 1000;

/// What every step must meet: the --fail-* limits, and the asked rate kept.
struct ServiceLevel {
  Limits limits;
  double receipts_per_message = 1;  // pubsub fan-out: each message reaches every subscriber
};

/// A rate as people read it: whole numbers from 100 up, three significant digits below.
std::string rate_text(double rate);

/// Judges the results of a step that asked for `asked` messages per second in all.
Step judge_step(double asked, Results results, const ServiceLevel& level);

/// The search settings for the first step's rate `start` (at most `highest`, the highest rate
/// the search tries) and --precision `percent`.
SearchSettings search_settings(double start, double percent, double highest = SearchSettings{}.highest);

/// A search under way: the rate of the next step, and the steps so far.
class FindMax {
public:
  FindMax(const SearchSettings& settings, ServiceLevel level);

  /// The rate the next step asks for; nothing when the search is over.
  std::optional<double> next_rate() const { return search_.next(); }
  /// Judges and keeps a step's results; returns the step.
  const Step& add(double asked, Results results);
  const std::vector<Step>& steps() const { return steps_; }
  /// Why the search ended.
  std::optional<RateSearch::End> end() const { return search_.end(); }
  /// The outcome as one result: the highest passing step's (else the last step's), holding
  /// every step, its settings with the search's added (`run_settings` when no step finished).
  Results conclusion(const nlohmann::json& run_settings, bool interrupted) const;

private:
  SearchSettings settings_;
  ServiceLevel level_;
  RateSearch search_;
  std::vector<Step> steps_;
};

/// The highest passing step, if any.
const Step* limit_step(const std::vector<Step>& steps);
/// The lowest failing step above the limit (above nothing when none passed), if any.
const Step* first_failure_above_limit(const std::vector<Step>& steps);

/// The heading of the step lines, without a line end.
std::string step_heading();
/// One line of the table of steps, without a line end: asked, achieved, p50/p99, loss, errors,
/// busy, verdict.
std::string step_line(const Step& step, std::size_t number);
/// The table of steps and the conclusion: the limit, and what failed first above it.
std::string find_max_summary(const std::vector<Step>& steps, bool interrupted);

}  // namespace mq::bench
