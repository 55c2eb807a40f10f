#include "find_max.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mq::bench {
namespace {

std::string milliseconds_text(const Histogram& latency, double percentile) {
  if (latency.empty()) return "-";
  return fmt::format("{:.3f}", static_cast<double>(latency.percentile(percentile)) / 1000.0);
}

// Why a step failed when its gates passed: the rate it achieved fell short of the one asked.
std::optional<std::string> rate_shortfall(double asked, const Results& results, const ServiceLevel& level) {
  const double expected = asked * level.receipts_per_message;
  const double achieved = results.main_rate();
  if (achieved >= kept_rate_share * expected) return std::nullopt;
  const std::string name = results.main_rate_name() == "connections" ? "connect" : results.main_rate_name();
  return fmt::format("the {} rate {}/s is below {:.0f}% of the {}/s asked", name, rate_text(achieved),
                     kept_rate_share * 100, rate_text(expected));
}

std::string busy_text(const Results& results) {
  return results.load_generator_busy ? fmt::format("{:.0f}%", *results.load_generator_busy * 100) : "-";
}

std::string conclusion_lines(const std::vector<Step>& steps, bool interrupted) {
  const Step* limit = limit_step(steps);
  const Step* failure = first_failure_above_limit(steps);
  std::string text = "\n";
  if (limit)
    text += fmt::format("limit: {}/s met the service level{}\n", rate_text(limit->asked),
                        interrupted ? " (so far: the search was interrupted)" : "");
  else
    text += fmt::format("limit: no rate met the service level{}\n",
                        interrupted ? " before the search was interrupted" : "");
  if (!failure) {
    if (limit && !interrupted) text += "above it: nothing failed up to the highest rate the search tries\n";
    return text;
  }
  text += fmt::format("above it: at {}/s {}\n", rate_text(failure->asked), failure->failure);
  const Results& failed = failure->results;
  const bool connects = failed.scenario == "conn";
  if (failure->load_generator_limited)
    text += fmt::format(
        "limited by the load generator: at {}/s mqbench {} {}/s, its threads busy {} of the time{}, so the "
        "broker may take more (give --threads, or run mqbench on several machines)\n",
        rate_text(failure->asked), connects ? "made connections at" : "sent",
        rate_text(connects ? failed.rates.connects : failed.rates.sent), busy_text(failed),
        !connects && failed.totals.window_full == 0 ? " and never waiting for the broker" : "");
  else
    text += "limited by the broker\n";
  return text;
}

// mqbench, not the broker, held the step back: its threads never waited, or it sent less than
// asked without ever waiting for the broker (no publisher found its -M window full). conn sends
// no messages: only its threads tell.
bool generator_limited(double asked, const Results& results) {
  const bool saturated = results.load_generator_busy && *results.load_generator_busy >= saturated_share;
  const bool behind_on_its_own = results.scenario != "conn" && results.rates.sent < kept_rate_share * asked &&
                                 results.totals.window_full == 0;
  return saturated || behind_on_its_own;
}

}  // namespace

std::string rate_text(double rate) {
  return rate >= 100 ? fmt::format("{:.0f}", rate) : fmt::format("{:.3g}", rate);
}

Step judge_step(double asked, Results results, const ServiceLevel& level) {
  Step step;
  step.asked = asked;
  const std::vector<Gate> gates = check_gates(results, level.limits);
  const auto failed_gate =
      std::find_if(gates.begin(), gates.end(), [](const Gate& gate) { return !gate.passed; });
  if (failed_gate != gates.end())
    step.failure = failed_gate->detail;
  else if (const auto shortfall = rate_shortfall(asked, results, level))
    step.failure = *shortfall;
  step.passed = step.failure.empty();
  step.load_generator_limited = generator_limited(asked, results);
  results.gates = gates;
  step.results = std::move(results);
  return step;
}

SearchSettings search_settings(double start, double percent, double highest) {
  SearchSettings settings;
  settings.highest = highest;
  settings.start = std::min(start, settings.highest);  // --total-rate goes higher than the search
  settings.lowest = std::min(settings.lowest, settings.start);
  settings.precision = percent / 100;
  return settings;
}

FindMax::FindMax(const SearchSettings& settings, ServiceLevel level)
    : settings_(settings), level_(std::move(level)), search_(settings) {}

const Step& FindMax::add(double asked, Results results) {
  steps_.push_back(judge_step(asked, std::move(results), level_));
  search_.record(asked, steps_.back().passed);
  return steps_.back();
}

Results FindMax::conclusion(const nlohmann::json& run_settings, bool interrupted) const {
  const Step* limit = limit_step(steps_);
  Results results = limit ? limit->results : steps_.empty() ? Results{} : steps_.back().results;
  nlohmann::json settings = steps_.empty() ? run_settings : results.settings;
  if (steps_.empty()) {  // stopped during the first step
    results.scenario = settings.value("scenario", "");
    results.description = "no step of --find-max finished";
  }
  settings["find_max"] = {{"start_per_s", settings_.start},
                          {"growth", settings_.growth},
                          {"precision_percent", settings_.precision * 100},
                          {"kept_rate_share", kept_rate_share},
                          {"step_duration_s", settings.value("duration_s", nlohmann::json(nullptr))}};
  results.settings = std::move(settings);
  results.interrupted = interrupted;
  results.steps = steps_;
  return results;
}

const Step* limit_step(const std::vector<Step>& steps) {
  const Step* best = nullptr;
  for (const Step& step : steps) {
    if (step.passed && (!best || step.asked > best->asked)) best = &step;
  }
  return best;
}

const Step* first_failure_above_limit(const std::vector<Step>& steps) {
  const Step* limit = limit_step(steps);
  const Step* lowest = nullptr;
  for (const Step& step : steps) {
    if (!step.passed && (!limit || step.asked > limit->asked) && (!lowest || step.asked < lowest->asked))
      lowest = &step;
  }
  return lowest;
}

std::string step_heading() {
  return fmt::format("{:>4}  {:>10}  {:>10}  {:>9}  {:>9}  {:>7}  {:>6}  {:>4}  {}", "step", "asked/s",
                     "achieved/s", "p50 ms", "p99 ms", "lost", "errors", "busy", "verdict");
}

std::string step_line(const Step& step, std::size_t number) {
  const Results& results = step.results;
  const Histogram& latency = results.main_latency();
  std::string verdict = step.passed ? "passed" : "FAILED: " + step.failure;
  if (step.load_generator_limited) verdict += " (mqbench saturated)";
  return fmt::format("{:>4}  {:>10}  {:>10}  {:>9}  {:>9}  {:>7}  {:>6}  {:>4}  {}", number,
                     rate_text(step.asked), rate_text(results.main_rate()), milliseconds_text(latency, 50),
                     milliseconds_text(latency, 99), results.totals.lost, results.totals.errors(),
                     busy_text(results), verdict);
}

std::string find_max_summary(const std::vector<Step>& steps, bool interrupted) {
  std::string text = step_heading() + "\n";
  for (std::size_t i = 0; i < steps.size(); ++i)
    text += step_line(steps[i], i + 1) + "\n";
  return text + conclusion_lines(steps, interrupted);
}

}  // namespace mq::bench
