#include "csv.hpp"

#include <fmt/format.h>

namespace mq::bench {
namespace {

constexpr const char* row_end = "\r\n";

// A field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, a quote or
// a line break.
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

std::string milliseconds(std::optional<std::uint64_t> microseconds) {
  return microseconds ? fmt::format("{:.3f}", static_cast<double>(*microseconds) / 1000.0) : "";
}

std::string percentile(const Histogram& histogram, double percent) {
  return histogram.empty() ? "" : milliseconds(histogram.percentile(percent));
}

// conn --churn: the connections reopened in the second; empty when the run did not churn, so
// that a run without --churn is not read as one whose reconnects all failed.
std::string reconnects(const Results& results, const SecondSample& sample) {
  return results.churn ? std::to_string(sample.reconnects) : "";
}

}  // namespace

std::string series_csv(const Results& results) {
  std::string text = fmt::format(
      "t_s,phase,connections,sent,acked,received,errors,p50_ms,p99_ms,max_ms,connects,connect_p50_ms,"
      "connect_p99_ms,reconnects{}",
      row_end);
  for (const SecondSample& sample : results.series)
    text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}{}", sample.t, field(sample.phase),
                        sample.connections, sample.sent, sample.acked, sample.received, sample.errors,
                        milliseconds(sample.p50_us), milliseconds(sample.p99_us), milliseconds(sample.max_us),
                        sample.connects, milliseconds(sample.connect_p50_us),
                        milliseconds(sample.connect_p99_us), reconnects(results, sample), row_end);
  return text;
}

std::string steps_csv(const Results& results) {
  std::string text =
      fmt::format("step,asked_per_s,sent_per_s,acked_per_s,received_per_s,connects_per_s,p50_ms,p99_ms,lost,"
                  "errors,busy,passed,failure{}",
                  row_end);
  int number = 0;
  for (const Step& step : results.steps) {
    const Results& run = step.results;
    const Histogram& latency = run.main_latency();
    text +=
        fmt::format("{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{},{},{},{},{},{},{}{}", ++number, step.asked,
                    run.rates.sent, run.rates.acked, run.rates.received, run.rates.connects,
                    percentile(latency, 50), percentile(latency, 99), run.totals.lost, run.totals.errors(),
                    run.load_generator_busy ? fmt::format("{:.3f}", *run.load_generator_busy) : "",
                    step.passed ? "true" : "false", field(step.failure), row_end);
  }
  return text;
}

std::string results_csv(const Results& results) {
  return results.from_find_max() ? steps_csv(results) : series_csv(results);
}

}  // namespace mq::bench
