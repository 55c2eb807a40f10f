#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results.hpp"

namespace mq::bench {

/// The most messages --fail-loss allows to be lost: a count, or a percentage of the messages
/// the subscribers expected.
struct LossLimit {
  double value = 0;
  bool percent = false;
};

/// Parses "N" or "P%"; throws a usage Error naming --fail-loss.
LossLimit parse_loss_limit(const std::string& text);

/// The --fail-* limits a CI job gates on.
struct Limits {
  std::optional<double> p99_ms;
  std::optional<LossLimit> loss;
  std::optional<double> rate;
  std::optional<std::uint64_t> errors;

  bool any() const { return p99_ms || loss || rate || errors; }
};

/// Each limit given, checked against `results`, in the order p99, loss, rate, errors.
std::vector<Gate> check_gates(const Results& results, const Limits& limits);

/// The sentences of the gates that did not pass; empty when all did.
std::vector<std::string> unmet_limits(const std::vector<Gate>& gates);
/// The same, checking the limits first.
std::vector<std::string> unmet_limits(const Results& results, const Limits& limits);

}  // namespace mq::bench
