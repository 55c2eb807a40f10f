#include "rate_search.hpp"

#include <cmath>
#include <stdexcept>

namespace mq::bench {

RateSearch::RateSearch(const SearchSettings& settings) : settings_(settings) {
  const auto finite_positive = [](double value) { return std::isfinite(value) && value > 0; };
  if (!finite_positive(settings.start) || !finite_positive(settings.lowest) ||
      !finite_positive(settings.highest) || settings.lowest > settings.highest)
    throw std::invalid_argument("the rates of a search must be finite, positive and in order");
  if (settings.start < settings.lowest || settings.start > settings.highest)
    throw std::invalid_argument("the starting rate must lie between the lowest and the highest");
  if (!std::isfinite(settings.growth) || settings.growth <= 1)
    throw std::invalid_argument("the growth of a search must be a finite number above 1");
  if (!std::isfinite(settings.precision) || settings.precision <= 0)
    throw std::invalid_argument("the precision of a search must be a finite number above 0");
  if (settings.most_steps < 1) throw std::invalid_argument("a search needs at least one step");
}

std::optional<RateSearch::End> RateSearch::end() const {
  if (passing_ && failing_ && *failing_ <= *passing_ * (1 + settings_.precision)) return End::converged;
  if (!passing_ && failing_ && *failing_ <= settings_.lowest) return End::nothing_passed;
  if (passing_ && !failing_ && *passing_ >= settings_.highest) return End::nothing_failed;
  if (steps_ >= settings_.most_steps) return End::step_limit;
  return std::nullopt;
}

std::optional<double> RateSearch::next() const {
  if (end()) return std::nullopt;
  if (!passing_ && !failing_) return settings_.start;
  if (!failing_) return std::min(*passing_ * settings_.growth, settings_.highest);
  if (!passing_) return std::max(*failing_ / settings_.growth, settings_.lowest);
  return (*passing_ + *failing_) / 2;
}

void RateSearch::record(double rate, bool passed) {
  ++steps_;
  // A pass above a failure (a noisy broker) moves the failure up: the limit is never below a rate
  // that passed. A failure below a pass moves the pass down, for the same reason the other way.
  if (passed) {
    if (!passing_ || rate > *passing_) passing_ = rate;
    if (failing_ && *failing_ <= rate) failing_.reset();
  } else {
    if (!failing_ || rate < *failing_) failing_ = rate;
    if (passing_ && *passing_ >= rate) passing_.reset();
  }
}

}  // namespace mq::bench
