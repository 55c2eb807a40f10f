#include "limits.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "mq/error.hpp"

namespace mq::bench {
namespace {

Gate p99_gate(const Results& results, double limit) {
  const Histogram& latency = results.main_latency();
  Gate gate{"--fail-p99", limit, "ms", std::nullopt, false, {}};
  if (latency.empty()) {
    gate.detail = fmt::format("no latency was measured, so --fail-p99 {} cannot be met", limit);
    return gate;
  }
  const double p99 = static_cast<double>(latency.percentile(99)) / 1000.0;
  gate.value = p99;
  gate.passed = p99 <= limit;
  gate.detail = fmt::format("the p99 latency {:.3f} ms is {} --fail-p99 {}", p99,
                            gate.passed ? "within" : "above", limit);
  return gate;
}

Gate loss_gate(const Results& results, const LossLimit& limit) {
  const Totals& totals = results.totals;
  const std::uint64_t expected = totals.received - std::min(totals.duplicated, totals.received) + totals.lost;
  const double allowed = limit.percent ? limit.value / 100.0 * static_cast<double>(expected) : limit.value;
  Gate gate{"--fail-loss", limit.value, limit.percent ? "%" : "messages", std::nullopt, false, {}};
  gate.value =
      limit.percent
          ? (expected == 0 ? 0.0 : 100.0 * static_cast<double>(totals.lost) / static_cast<double>(expected))
          : static_cast<double>(totals.lost);
  gate.passed = static_cast<double>(totals.lost) <= allowed;
  gate.detail =
      fmt::format("{} of {} expected messages were lost, {} --fail-loss {}{}", totals.lost, expected,
                  gate.passed ? "within" : "more than", limit.value, limit.percent ? "%" : "");
  return gate;
}

Gate rate_gate(const Results& results, double limit) {
  const double rate = results.main_rate();
  Gate gate{"--fail-rate", limit, results.main_rate_name() + "/s", rate, rate >= limit, {}};
  gate.detail = fmt::format("the {} rate {:.1f}/s is {} --fail-rate {}", results.main_rate_name(), rate,
                            gate.passed ? "at or above" : "below", limit);
  return gate;
}

Gate errors_gate(const Results& results, std::uint64_t limit) {
  const std::uint64_t errors = results.totals.errors();
  Gate gate{"--fail-errors", static_cast<double>(limit),
            "errors",        static_cast<double>(errors),
            errors <= limit, {}};
  const std::string cause = results.totals.most_common_cause();
  gate.detail = fmt::format(
      "{} {}, {} --fail-errors {}{}", errors, errors == 1 ? "error" : "errors",
      gate.passed ? "within" : "more than", limit,
      gate.passed || cause.empty()
          ? ""
          : fmt::format(" (the most common: {} x {})", results.totals.errors_by_cause.at(cause), cause));
  return gate;
}

}  // namespace

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

std::vector<Gate> check_gates(const Results& results, const Limits& limits) {
  std::vector<Gate> gates;
  if (limits.p99_ms) gates.push_back(p99_gate(results, *limits.p99_ms));
  if (limits.loss) gates.push_back(loss_gate(results, *limits.loss));
  if (limits.rate) gates.push_back(rate_gate(results, *limits.rate));
  if (limits.errors) gates.push_back(errors_gate(results, *limits.errors));
  return gates;
}

std::vector<std::string> unmet_limits(const std::vector<Gate>& gates) {
  std::vector<std::string> unmet;
  for (const Gate& gate : gates) {
    if (!gate.passed) unmet.push_back(gate.detail);
  }
  return unmet;
}

std::vector<std::string> unmet_limits(const Results& results, const Limits& limits) {
  return unmet_limits(check_gates(results, limits));
}

}  // namespace mq::bench
