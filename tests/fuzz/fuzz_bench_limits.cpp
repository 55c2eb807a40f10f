// Feeds arbitrary values of mqbench's --fail-p99, --fail-loss, --fail-rate and --fail-errors to
// its command line and gates. Properties: the command line is accepted or refused with a usage
// Error; an accepted limit is a finite number in its range (--fail-loss: a whole count, or a
// percentage up to 100 that reads back the same); each gate's verdict is its comparison of the
// measured value with the limit, and the unmet limits are the gates that failed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.hpp"
#include "fuzz_input.hpp"
#include "limits.hpp"

namespace {

using mq::bench::Limits;
using mq::bench::LossLimit;

// mqbench's command line, parsing into `options`.
struct CommandLine {
  mq::bench::Options options;
  mq::ToolApp app{"mqbench", "fuzz"};
  CommandLine() { mq::bench::define_command_line(app, options); }
};

// `mqbench pubsub --fail-NAME=VALUE...` for each value given (a non-empty field).
std::optional<Limits> parse_limits(const std::vector<std::string>& values) {
  static const char* const names[] = {"--fail-p99", "--fail-loss", "--fail-rate", "--fail-errors"};
  std::vector<std::string> words{"mqbench", "pubsub"};
  for (std::size_t i = 0; i < std::size(names) && i < values.size(); ++i)
    if (!values[i].empty()) words.push_back(fmt::format("{}={}", names[i], values[i]));
  std::vector<const char*> argv;
  for (const std::string& word : words)
    argv.push_back(word.c_str());
  static CommandLine command_line;  // made once: making it takes most of a run
  command_line.options = {};
  command_line.app.clear();
  std::optional<Limits> limits;
  fuzz::accepted_or_refused_with(mq::Exit::usage, [&] {
    mq::parse_command_line(command_line.app, static_cast<int>(argv.size()), argv.data());
    limits = command_line.options.output.limits();
  });
  return limits;
}

// Exactly the limits given are set: nothing is left from an earlier command line.
void check_given(const Limits& limits, const std::vector<std::string>& values) {
  fuzz::check(limits.p99_ms.has_value() == !values[0].empty() &&
              limits.loss.has_value() == !values[1].empty());
  fuzz::check(limits.rate.has_value() == !values[2].empty() &&
              limits.errors.has_value() == !values[3].empty());
}

void check_loss_limit(const LossLimit& loss) {
  fuzz::check(std::isfinite(loss.value) && loss.value >= 0);
  fuzz::check(loss.percent ? loss.value <= 100 : loss.value == std::floor(loss.value));
  const LossLimit again =
      mq::bench::parse_loss_limit(fmt::format("{}{}", loss.value, loss.percent ? "%" : ""));
  fuzz::check(again.value == loss.value && again.percent == loss.percent);
}

void check_ranges(const Limits& limits) {
  fuzz::check(!limits.p99_ms || (*limits.p99_ms >= 0 && *limits.p99_ms <= 1e12));
  fuzz::check(!limits.rate || (*limits.rate >= 0 && *limits.rate <= 1e12));
  fuzz::check(!limits.errors || *limits.errors <= std::uint64_t{1} << 53);
  if (limits.loss) check_loss_limit(*limits.loss);
}

// A pubsub run of 1000 messages, each received after `latency_us`, `lost` of them lost.
mq::bench::Results run(std::uint64_t latency_us, std::uint64_t lost, std::uint64_t errors) {
  mq::bench::Results results;
  results.scenario = "pubsub";
  results.measured_seconds = 1;
  results.totals.sent = 1000;
  results.totals.received = 1000 - lost;
  results.totals.lost = lost;
  if (errors > 0) results.totals.errors_by_cause["the connection was lost"] = errors;
  for (std::uint64_t i = 0; i < results.totals.received; ++i)
    results.latency.record(latency_us);
  results.compute_rates();
  return results;
}

// The verdict a gate must give; nothing when the measured value is within rounding of the limit.
std::optional<bool> expected_verdict(const mq::bench::Gate& gate, const mq::bench::Results& results,
                                     const Limits& limits) {
  if (gate.option == "--fail-errors") return results.totals.errors() <= *limits.errors;
  if (gate.option == "--fail-loss" && !limits.loss->percent)
    return static_cast<double>(results.totals.lost) <= limits.loss->value;
  if (!gate.value) return false;  // a p99 with nothing measured
  if (std::fabs(*gate.value - gate.limit) <= 1e-9 * std::max(1.0, gate.limit)) return std::nullopt;
  const bool below = *gate.value < gate.limit;
  return gate.option == "--fail-rate" ? !below : below;
}

void check_gates(const Limits& limits, std::string_view measured) {
  const auto byte = [&](std::size_t i) -> std::uint64_t {
    return i < measured.size() ? static_cast<unsigned char>(measured[i]) : 0;
  };
  const mq::bench::Results results = run(byte(0) * 997, byte(1) * 3, byte(2));
  const std::vector<mq::bench::Gate> gates = mq::bench::check_gates(results, limits);
  std::size_t failed = 0;
  for (const mq::bench::Gate& gate : gates) {
    if (const std::optional<bool> verdict = expected_verdict(gate, results, limits))
      fuzz::check(gate.passed == *verdict);
    failed += gate.passed ? 0 : 1;
  }
  const int given = limits.p99_ms.has_value() + limits.loss.has_value() + limits.rate.has_value() +
                    limits.errors.has_value();
  fuzz::check(gates.size() == static_cast<std::size_t>(given));
  fuzz::check(mq::bench::unmet_limits(gates).size() == failed);
}

}  // namespace

// Input: P99 '\n' LOSS '\n' RATE '\n' ERRORS '\n' MEASURED (bytes: latency, loss, errors of the run).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  std::vector<std::string> values;
  for (int i = 0; i < 4; ++i)
    values.emplace_back(fuzz::take_field(input));
  const std::optional<Limits> limits = parse_limits(values);
  if (!limits) return 0;
  check_given(*limits, values);
  check_ranges(*limits);
  check_gates(*limits, input);
  return 0;
}
