#include "limits.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "mq/error.hpp"

namespace mq::bench {

LossLimit parse_loss_limit(const std::string& text) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value) || value < 0 ||
      (percent && value > 100) || (!percent && value != std::floor(value)))
    throw usage_error(fmt::format("--fail-loss '{}' is not a message count or a percentage", text),
                      "give a count of messages (--fail-loss 0) or a percentage (--fail-loss 0.1%)");
  return LossLimit{value, percent};
}

std::vector<std::string> unmet_limits(const Results& results, const Limits& limits) {
  std::vector<std::string> unmet;
  const Totals& totals = results.totals;
  if (limits.p99_ms) {
    const Histogram& latency = results.main_latency();
    const double p99 = static_cast<double>(latency.percentile(99)) / 1000.0;
    if (latency.empty())
      unmet.push_back(fmt::format("no latency was measured, so --fail-p99 {} cannot be met", *limits.p99_ms));
    else if (p99 > *limits.p99_ms)
      unmet.push_back(fmt::format("the p99 latency {:.3f} ms is above --fail-p99 {}", p99, *limits.p99_ms));
  }
  if (limits.loss) {
    const std::uint64_t expected = totals.received - totals.duplicated + totals.lost;
    const double allowed = limits.loss->percent ? limits.loss->value / 100.0 * static_cast<double>(expected)
                                                : limits.loss->value;
    if (static_cast<double>(totals.lost) > allowed)
      unmet.push_back(fmt::format("{} of {} expected messages were lost, more than --fail-loss {}{}",
                                  totals.lost, expected, limits.loss->value,
                                  limits.loss->percent ? "%" : ""));
  }
  if (limits.rate && results.main_rate() < *limits.rate)
    unmet.push_back(fmt::format("the {} rate {:.1f}/s is below --fail-rate {}", results.main_rate_name(),
                                results.main_rate(), *limits.rate));
  return unmet;
}

}  // namespace mq::bench
