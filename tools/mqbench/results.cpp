#include "results.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "find_max.hpp"
#include "mq/error.hpp"
#include "mq/terminal.hpp"
#include "mq/version.hpp"

namespace mq::bench {
namespace {

constexpr const char* schema_name = "mqbench/1";

struct PercentileColumn {
  const char* json_name;
  const char* heading;
  double percentile;
};
constexpr PercentileColumn percentile_columns[] = {
    {"p50", "p50", 50}, {"p90", "p90", 90}, {"p99", "p99", 99}, {"p99_9", "p99.9", 99.9}};

double milliseconds(std::uint64_t microseconds) { return static_cast<double>(microseconds) / 1000.0; }

nlohmann::json latency_json(const Histogram& histogram) {
  nlohmann::json summary{{"count", histogram.count()},
                         {"min", milliseconds(histogram.min())},
                         {"mean", histogram.mean() / 1000.0}};
  for (const auto& column : percentile_columns)
    summary[column.json_name] = milliseconds(histogram.percentile(column.percentile));
  summary["max"] = milliseconds(histogram.max());
  return summary;
}

nlohmann::json histogram_json(const Histogram& histogram) {
  const Histogram::Snapshot snapshot = histogram.snapshot();
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [value, count] : snapshot.buckets)
    buckets.push_back({value, count});
  return {{"unit", "us"},
          {"significant_digits", Histogram::significant_digits},
          {"count", histogram.count()},
          {"min", snapshot.min},
          {"max", snapshot.max},
          {"sum", snapshot.sum},
          {"buckets", buckets}};
}

nlohmann::json sample_json(const SecondSample& sample) {
  nlohmann::json latency = nullptr;
  if (sample.p50_us)
    latency = {{"p50", milliseconds(*sample.p50_us)},
               {"p99", milliseconds(sample.p99_us.value_or(0))},
               {"max", milliseconds(sample.max_us.value_or(0))}};
  nlohmann::json connect_latency = nullptr;
  if (sample.connect_p50_us)
    connect_latency = {{"p50", milliseconds(*sample.connect_p50_us)},
                       {"p99", milliseconds(sample.connect_p99_us.value_or(0))}};
  return {{"t", sample.t},
          {"phase", sample.phase},
          {"connections", sample.connections},
          {"sent", sample.sent},
          {"acked", sample.acked},
          {"received", sample.received},
          {"errors", sample.errors},
          {"latency_ms", latency},
          {"connects", sample.connects},
          {"connect_latency_ms", connect_latency},
          {"reconnects", sample.reconnects}};
}

nlohmann::json churn_json(const Churn& churn) {
  return {{"asked_per_s", churn.asked_per_s},
          {"made_per_s", churn.made_per_s()},
          {"close", churn.close},
          {"churn_s", churn.seconds},
          {"asked", churn.asked},
          {"started", churn.started},
          {"made", churn.made},
          {"failed", churn.failed},
          {"most_behind_s", churn.most_behind_s},
          {"failures_by_cause", churn.failures_by_cause}};
}

nlohmann::json gate_json(const Gate& gate) {
  return {
      {"option", gate.option}, {"limit", gate.limit},
      {"unit", gate.unit},     {"value", gate.value ? nlohmann::json(*gate.value) : nlohmann::json(nullptr)},
      {"passed", gate.passed}, {"detail", gate.detail}};
}

// Reads the document back, turning every type or range problem into one usage error that says
// which file and which field.
class Reader {
public:
  explicit Reader(const std::string& source) : source_(source) {}

  Error invalid(const std::string& what) const {
    return usage_error(fmt::format("'{}' is not an mqbench result: {}", source_, what),
                       "give files written by mqbench --json");
  }

  const nlohmann::json& field(const nlohmann::json& object, const char* name) const {
    if (!object.is_object() || !object.contains(name)) throw invalid(fmt::format("'{}' is missing", name));
    return object.at(name);
  }

  std::uint64_t count(const nlohmann::json& object, const char* name) const {
    const nlohmann::json& value = field(object, name);
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
      throw invalid(fmt::format("'{}' is not a count", name));
    return value.get<std::uint64_t>();
  }

  double number(const nlohmann::json& object, const char* name) const {
    const nlohmann::json& value = field(object, name);
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0)
      throw invalid(fmt::format("'{}' is not a non-negative number", name));
    return value.get<double>();
  }

  std::uint32_t number32(const nlohmann::json& object, const char* name) const {
    const std::uint64_t value = count(object, name);
    if (value > UINT32_MAX) throw invalid(fmt::format("'{}' is too large", name));
    return static_cast<std::uint32_t>(value);
  }

  std::uint32_t narrow(std::uint64_t value) const {
    if (value > UINT32_MAX) throw invalid("a client number in 'sequences' is too large");
    return static_cast<std::uint32_t>(value);
  }

  const nlohmann::json& list(const nlohmann::json& object, const char* name) const {
    const nlohmann::json& value = field(object, name);
    if (!value.is_array()) throw invalid(fmt::format("'{}' is not a list", name));
    return value;
  }

  // An entry of `size` counts, [a, b, ...], of the list `name`.
  std::vector<std::uint64_t> counts(const nlohmann::json& entry, std::size_t size, const char* name) const {
    if (!entry.is_array() || entry.size() != size)
      throw invalid(fmt::format("an entry of '{}' is not a list of {} counts", name, size));
    std::vector<std::uint64_t> numbers;
    for (const nlohmann::json& value : entry) {
      if (!value.is_number_unsigned()) throw invalid(fmt::format("an entry of '{}' holds a non-count", name));
      numbers.push_back(value.get<std::uint64_t>());
    }
    return numbers;
  }

  std::string text(const nlohmann::json& object, const char* name) const {
    const nlohmann::json& value = field(object, name);
    if (!value.is_string()) throw invalid(fmt::format("'{}' is not a string", name));
    return value.get<std::string>();
  }

  Histogram histogram(const nlohmann::json& histograms, const char* name) const {
    const nlohmann::json& data = field(histograms, name);
    if (text(data, "unit") != "us" || count(data, "significant_digits") != Histogram::significant_digits)
      throw invalid(fmt::format("histogram '{}' is not in µs with 3 significant digits", name));
    Histogram::Snapshot snapshot{{}, count(data, "min"), count(data, "max"), number(data, "sum")};
    const nlohmann::json& buckets = field(data, "buckets");
    if (!buckets.is_array()) throw invalid(fmt::format("histogram '{}' has no bucket list", name));
    for (const nlohmann::json& bucket : buckets) {
      if (!bucket.is_array() || bucket.size() != 2 || !bucket[0].is_number_unsigned() ||
          !bucket[1].is_number_unsigned())
        throw invalid(fmt::format("histogram '{}' has a bucket that is not [value, count]", name));
      snapshot.buckets.emplace_back(bucket[0].get<std::uint64_t>(), bucket[1].get<std::uint64_t>());
    }
    try {
      Histogram result = Histogram::from_snapshot(snapshot);
      if (result.count() != count(data, "count"))
        throw invalid(fmt::format("histogram '{}' counts do not add up", name));
      return result;
    } catch (const std::invalid_argument& inconsistent) {
      throw invalid(fmt::format("histogram '{}': {}", name, inconsistent.what()));
    }
  }

  // "run": {"id": ..., "shard": "K/N" or null}; absent in results of older versions.
  void run(const nlohmann::json& document, Results& results) const {
    if (!document.contains("run")) return;
    const nlohmann::json& run = field(document, "run");
    results.run_id = text(run, "id");
    const nlohmann::json& shard = field(run, "shard");
    if (shard.is_null()) return;
    const std::string spelled = text(run, "shard");
    try {
      results.shard = resolve_shard(spelled, nullptr, nullptr);
    } catch (const Error&) {
      throw invalid(fmt::format("its shard '{}' is not K/N", spelled));
    }
  }

  std::optional<Sequences> sequences(const nlohmann::json& document) const {
    if (!document.contains("sequences")) return std::nullopt;
    const nlohmann::json& data = field(document, "sequences");
    Sequences sequences;
    sequences.pattern = text(data, "pattern");
    sequences.publishers = number32(data, "publishers");
    for (const nlohmann::json& entry : list(data, "published")) {
      const std::vector<std::uint64_t> numbers = counts(entry, 2, "published");
      sequences.published[narrow(numbers[0])] = numbers[1];
    }
    for (const nlohmann::json& entry : list(data, "ready_subscribers"))
      sequences.ready_subscribers.push_back(
          narrow(counts(nlohmann::json::array({entry}), 1, "ready_subscribers")[0]));
    for (const nlohmann::json& entry : list(data, "streams")) {
      const std::vector<std::uint64_t> numbers = counts(entry, 4, "streams");
      sequences.streams.push_back({narrow(numbers[0]), narrow(numbers[1]), numbers[2], numbers[3]});
    }
    return sequences;
  }

  SecondSample sample(const nlohmann::json& entry) const {
    SecondSample sample;
    const std::uint64_t t = count(entry, "t");
    if (t > 10'000'000) throw invalid("a 't' of the series is beyond a hundred days");
    sample.t = static_cast<int>(t);
    sample.phase = text(entry, "phase");
    sample.connections = count(entry, "connections");
    sample.sent = count(entry, "sent");
    sample.acked = count(entry, "acked");
    sample.received = count(entry, "received");
    sample.errors = count(entry, "errors");
    sample.reconnects = entry.contains("reconnects") ? count(entry, "reconnects") : 0;  // newer
    const nlohmann::json& latency = field(entry, "latency_ms");
    if (!latency.is_null()) {
      sample.p50_us = microseconds(latency, "p50");
      sample.p99_us = microseconds(latency, "p99");
      sample.max_us = microseconds(latency, "max");
    }
    // The connects per second came with conn --find-max: a result written before has none.
    if (entry.contains("connects")) sample.connects = count(entry, "connects");
    if (entry.contains("connect_latency_ms") && !entry.at("connect_latency_ms").is_null()) {
      const nlohmann::json& connect_latency = entry.at("connect_latency_ms");
      sample.connect_p50_us = microseconds(connect_latency, "p50");
      sample.connect_p99_us = microseconds(connect_latency, "p99");
    }
    return sample;
  }

  // "gates" came with the --fail-* limits: a result written before them has none.
  std::vector<Gate> gates(const nlohmann::json& document) const {
    std::vector<Gate> gates;
    if (!document.contains("gates")) return gates;
    const nlohmann::json& list = document.at("gates");
    if (!list.is_array()) throw invalid("'gates' is not a list");
    for (const nlohmann::json& entry : list) {
      Gate gate;
      gate.option = text(entry, "option");
      gate.limit = number(entry, "limit");
      gate.unit = text(entry, "unit");
      if (!field(entry, "value").is_null()) gate.value = number(entry, "value");
      if (!field(entry, "passed").is_boolean()) throw invalid("a gate's 'passed' is not true or false");
      gate.passed = entry.at("passed").get<bool>();
      gate.detail = text(entry, "detail");
      gates.push_back(std::move(gate));
    }
    return gates;
  }

  // conn --churn's counts, when the run churned.
  std::optional<Churn> churn(const nlohmann::json& totals) const {
    if (!totals.contains("reconnects")) return std::nullopt;
    const nlohmann::json& entry = totals.at("reconnects");
    Churn churn;
    churn.asked_per_s = number(entry, "asked_per_s");
    churn.close = text(entry, "close");
    churn.seconds = number(entry, "churn_s");
    churn.asked = count(entry, "asked");
    churn.started = count(entry, "started");
    churn.made = count(entry, "made");
    churn.failed = count(entry, "failed");
    churn.most_behind_s = number(entry, "most_behind_s");
    const nlohmann::json& causes = field(entry, "failures_by_cause");
    if (!causes.is_object()) throw invalid("'failures_by_cause' is not an object");
    for (const auto& [cause, number] : causes.items())
      churn.failures_by_cause[cause] = count(causes, cause.c_str());
    return churn;
  }

  // A share from 0 to 1 that older results, and runs that cannot know it, leave out or null.
  std::optional<double> optional_share(const nlohmann::json& object, const char* name) const {
    if (!object.contains(name) || object.at(name).is_null()) return std::nullopt;
    const double share = number(object, name);
    if (share > 1) throw invalid(fmt::format("'{}' is more than 1", name));
    return share;
  }

  // The steps of --find-max, each with the result of its run (which has no steps itself).
  std::vector<Step> steps(const nlohmann::json& document) const {
    std::vector<Step> steps;
    if (!document.contains("steps")) return steps;
    const nlohmann::json& list = document.at("steps");
    if (!list.is_array()) throw invalid("'steps' is not a list");
    for (const nlohmann::json& entry : list) {
      Step step;
      step.asked = number(entry, "asked_per_s");
      step.passed = flag(entry, "passed");
      step.failure = text(entry, "failure");
      step.load_generator_limited = flag(entry, "load_generator_limited");
      const nlohmann::json& result = field(entry, "result");
      if (result.is_object() && result.contains("steps"))
        throw invalid("a step's result has steps of its own");
      step.results = results_from_json(result, source_);
      steps.push_back(std::move(step));
    }
    return steps;
  }

  bool flag(const nlohmann::json& object, const char* name) const {
    const nlohmann::json& value = field(object, name);
    if (!value.is_boolean()) throw invalid(fmt::format("'{}' is not true or false", name));
    return value.get<bool>();
  }

  // A latency in milliseconds, as whole microseconds (at most an hour, as the histograms).
  std::uint64_t microseconds(const nlohmann::json& object, const char* name) const {
    const double value = number(object, name) * 1000.0;
    return static_cast<std::uint64_t>(std::min(value, static_cast<double>(Histogram::highest)) + 0.5);
  }

private:
  const std::string& source_;
};

std::string count_row(const char* name, std::uint64_t count, std::optional<double> rate = std::nullopt) {
  std::string row = fmt::format("  {:<17}{:>12}", name, count);
  if (rate) row += fmt::format("{:>14.1f}", *rate);
  return row + "\n";
}

// A count that means trouble (lost, duplicated, errors...): red on a terminal unless zero.
std::string trouble_row(const char* name, std::uint64_t count, bool colour) {
  std::string row = count_row(name, count);
  if (count == 0 || !colour) return row;
  row.pop_back();
  return paint(row, Style::error, true) + "\n";
}

std::string latency_row(const char* name, const Histogram& histogram) {
  if (histogram.empty()) return {};
  std::string row = fmt::format("  {:<14}{:>9.3f}", name, milliseconds(histogram.min()));
  for (const auto& column : percentile_columns)
    row += fmt::format("{:>9.3f}", milliseconds(histogram.percentile(column.percentile)));
  return row + fmt::format("{:>10.3f}{:>10}\n", milliseconds(histogram.max()), histogram.count());
}

std::string latency_table(const Results& results) {
  std::string rows =
      latency_row("end-to-end", results.latency) + latency_row("acknowledged", results.ack_latency) +
      latency_row("connect", results.connect_latency) + latency_row("reconnect", results.reconnect_latency);
  if (rows.empty()) return {};
  std::string heading = fmt::format("\n{:<16}{:>9}", "latency (ms)", "min");
  for (const auto& column : percentile_columns)
    heading += fmt::format("{:>9}", column.heading);
  return heading + fmt::format("{:>10}{:>10}\n", "max", "count") + rows;
}

std::string message_table(const Results& results, bool colour) {
  const Totals& totals = results.totals;
  const bool publishes = results.scenario != "sub" && results.scenario != "conn";
  const bool receives = results.scenario != "pub" && results.scenario != "conn";
  if (!publishes && !receives) return {};
  std::string table = fmt::format("\n{:<19}{:>12}{:>14}\n", "messages", "count", "per second");
  if (publishes) {
    table += count_row("sent", totals.sent, results.rates.sent);
    table += count_row("acknowledged", totals.acked, results.rates.acked);
    table += trouble_row("behind schedule", totals.behind_schedule, colour);
  }
  if (receives) {
    table += count_row("received", totals.received, results.rates.received);
    table += trouble_row("lost", totals.lost, colour);
    table += trouble_row("duplicated", totals.duplicated, colour);
    table += trouble_row("reordered", totals.reordered, colour);
    if (totals.unrecognized != 0) table += count_row("not from mqbench", totals.unrecognized);
  }
  return table;
}

// conn --churn: the reconnects asked and made, how close the rate kept, the failures by cause.
std::string churn_lines(const Churn& churn, bool colour) {
  std::string text =
      fmt::format("reconnects: {} of {} asked made in {:.2f} s ({}), {:.1f} per second of {} asked",
                  churn.made, churn.asked, churn.seconds, churn.close, churn.made_per_s(), churn.asked_per_s);
  if (churn.failed != 0) text += paint(fmt::format(", {} failed", churn.failed), Style::error, colour);
  if (churn.asked > churn.started)
    text += paint(fmt::format(", {} never started (behind schedule)", churn.asked - churn.started),
                  Style::error, colour);
  text += fmt::format("; the latest close started {:.3f} s after it was due\n", churn.most_behind_s);
  for (const auto& [cause, count] : churn.failures_by_cause)
    text += fmt::format("  {:>8}  {}\n", count, cause);
  return text;
}

std::string gate_lines(const std::vector<Gate>& gates, bool colour) {
  if (gates.empty()) return {};
  std::string lines = "\ngates\n";
  for (const Gate& gate : gates) {
    const std::string line = fmt::format("  {:<8}{}", gate.passed ? "passed" : "FAILED", gate.detail);
    lines += paint(line, Style::error, colour && !gate.passed) + "\n";
  }
  return lines;
}

std::string error_lines(const Totals& totals, bool colour) {
  const std::string total = fmt::format("errors: {}", totals.errors());
  std::string lines = paint(total, Style::error, colour && totals.errors() != 0) + "\n";
  std::vector<std::pair<std::uint64_t, std::string>> causes;
  for (const auto& [cause, count] : totals.errors_by_cause)
    causes.emplace_back(count, cause);
  std::sort(causes.begin(), causes.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [count, cause] : causes)
    lines += fmt::format("  {:>8}  {}\n", count, cause);
  return lines;
}

nlohmann::json sequences_json(const Sequences& sequences) {
  nlohmann::json published = nlohmann::json::array(), streams = nlohmann::json::array();
  for (const auto& [publisher, count] : sequences.published)
    published.push_back({publisher, count});
  for (const Sequences::Stream& stream : sequences.streams)
    streams.push_back({stream.subscriber, stream.publisher, stream.next, stream.missing});
  return {{"pattern", sequences.pattern},
          {"publishers", sequences.publishers},
          {"published", published},
          {"ready_subscribers", sequences.ready_subscribers},
          {"streams", streams}};
}

// The document of one run, without the steps of --find-max.
nlohmann::json document_json(const Results& results) {
  const Totals& totals = results.totals;
  nlohmann::json series = nlohmann::json::array();
  for (const SecondSample& sample : results.series)
    series.push_back(sample_json(sample));
  nlohmann::json gates = nlohmann::json::array();
  for (const Gate& gate : results.gates)
    gates.push_back(gate_json(gate));
  nlohmann::json document{
      {"schema", schema_name},
      {"mqbench", version},
      {"scenario", results.scenario},
      {"description", results.description},
      {"sources", results.sources},
      {"run",
       {{"id", results.run_id},
        {"shard", results.shard ? nlohmann::json(results.shard->text()) : nlohmann::json(nullptr)}}},
      {"interrupted", results.interrupted},
      {"settings", results.settings},
      {"gates", gates},
      {"totals",
       {{"measured_s", results.measured_seconds},
        {"sent", totals.sent},
        {"acked", totals.acked},
        {"received", totals.received},
        {"lost", totals.lost},
        {"duplicated", totals.duplicated},
        {"reordered", totals.reordered},
        {"behind_schedule", totals.behind_schedule},
        {"window_full", totals.window_full},
        {"unrecognized", totals.unrecognized},
        {"errors", totals.errors()},
        {"errors_by_cause", totals.errors_by_cause},
        {"load_generator_busy", results.load_generator_busy ? nlohmann::json(*results.load_generator_busy)
                                                            : nlohmann::json(nullptr)},
        {"connections",
         {{"attempted", totals.connections_attempted},
          {"connected", totals.connections_made},
          {"failed", totals.connections_failed()},
          {"connect_s", results.connect_seconds}}},
        {"rates",
         {{"sent_per_s", results.rates.sent},
          {"acked_per_s", results.rates.acked},
          {"received_per_s", results.rates.received},
          {"connects_per_s", results.rates.connects}}},
        {"latency_ms", latency_json(results.latency)},
        {"ack_latency_ms", latency_json(results.ack_latency)},
        {"connect_latency_ms", latency_json(results.connect_latency)}}},
      {"series", series},
      {"histograms",
       {{"latency", histogram_json(results.latency)},
        {"ack_latency", histogram_json(results.ack_latency)},
        {"connect_latency", histogram_json(results.connect_latency)}}},
  };
  if (results.churn) {
    document["totals"]["reconnects"] = churn_json(*results.churn);
    document["totals"]["reconnect_latency_ms"] = latency_json(results.reconnect_latency);
    document["histograms"]["reconnect_latency"] = histogram_json(results.reconnect_latency);
  }
  return document;
}

// Whether `parts` are the shards 1 to N, once each, of one run.
bool shards_of_one_run(const std::vector<Results>& parts) {
  std::set<std::uint32_t> seen;
  for (const Results& part : parts) {
    if (!part.shard || part.run_id.empty() || part.run_id != parts.front().run_id ||
        part.shard->count != parts.size() || !seen.insert(part.shard->index).second)
      return false;
  }
  return true;
}

}  // namespace

void Churn::add(const Churn& other) {
  if (close.empty()) close = other.close;
  asked_per_s += other.asked_per_s;
  seconds = std::max(seconds, other.seconds);
  asked += other.asked;
  started += other.started;
  made += other.made;
  failed += other.failed;
  most_behind_s = std::max(most_behind_s, other.most_behind_s);
  for (const auto& [cause, count] : other.failures_by_cause)
    failures_by_cause[cause] += count;
}

std::uint64_t Totals::errors() const {
  return std::accumulate(errors_by_cause.begin(), errors_by_cause.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const auto& entry) { return sum + entry.second; });
}

std::uint64_t Totals::connections_failed() const {
  return connections_attempted > connections_made ? connections_attempted - connections_made : 0;
}

std::string Totals::most_common_cause() const {
  std::string cause;
  std::uint64_t most = 0;
  for (const auto& [text, count] : errors_by_cause) {
    if (count > most) {
      most = count;
      cause = text;
    }
  }
  return cause;
}

void Results::compute_rates() {
  const auto per_second = [](std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  };
  const auto longest = [this](double seconds) { return std::max(seconds, measured_seconds); };
  rates = Rates{per_second(totals.sent, measured_seconds),
                acked_in_time ? per_second(*acked_in_time, measured_seconds)
                              : per_second(totals.acked, longest(ack_seconds)),
                received_in_time ? per_second(*received_in_time, measured_seconds)
                                 : per_second(totals.received, longest(receive_seconds)),
                per_second(totals.connections_made, connect_seconds)};
}

const Histogram& Results::main_latency() const {
  if (!latency.empty() || scenario == "sub" || scenario == "pubsub") return latency;
  if (!ack_latency.empty() || scenario == "pub") return ack_latency;
  return connect_latency;
}

std::string Results::main_rate_name() const {
  if (scenario == "sub" || scenario == "pubsub" || (scenario == "mixed" && totals.received != 0))
    return "received";
  if (scenario == "pub" || (scenario == "mixed" && totals.acked != 0)) return "acknowledged";
  return "connections";
}

double Results::main_rate() const {
  const std::string name = main_rate_name();
  if (name == "received") return rates.received;
  if (name == "acknowledged") return rates.acked;
  return rates.connects;
}

nlohmann::json to_json(const Results& results) {
  nlohmann::json document = document_json(results);
  if (results.sequences) document["sequences"] = sequences_json(*results.sequences);
  if (results.steps.empty()) return document;
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& step : results.steps)
    steps.push_back({{"asked_per_s", step.asked},
                     {"passed", step.passed},
                     {"failure", step.failure},
                     {"load_generator_limited", step.load_generator_limited},
                     {"result", document_json(step.results)}});
  document["steps"] = std::move(steps);
  return document;
}

Results results_from_json(const nlohmann::json& document, const std::string& source) {
  const Reader read{source};
  if (!document.is_object() || !document.contains("schema") || document["schema"] != schema_name)
    throw read.invalid(fmt::format("its \"schema\" is not \"{}\"", schema_name));
  Results results;
  results.scenario = read.text(document, "scenario");
  results.description = read.text(document, "description");
  const std::uint64_t sources = read.count(document, "sources");
  if (sources == 0 || sources > 1'000'000) throw read.invalid("'sources' is not a number of runs");
  results.sources = static_cast<int>(sources);
  read.run(document, results);
  results.sequences = read.sequences(document);
  results.interrupted =
      read.field(document, "interrupted").is_boolean() && document["interrupted"].get<bool>();
  results.settings = read.field(document, "settings");
  results.gates = read.gates(document);

  const nlohmann::json& totals = read.field(document, "totals");
  results.measured_seconds = read.number(totals, "measured_s");
  Totals& counts = results.totals;
  counts.sent = read.count(totals, "sent");
  counts.acked = read.count(totals, "acked");
  counts.received = read.count(totals, "received");
  counts.lost = read.count(totals, "lost");
  counts.duplicated = read.count(totals, "duplicated");
  counts.reordered = read.count(totals, "reordered");
  counts.behind_schedule = read.count(totals, "behind_schedule");
  counts.window_full = totals.contains("window_full") ? read.count(totals, "window_full") : 0;  // newer
  counts.unrecognized = read.count(totals, "unrecognized");
  const nlohmann::json& causes = read.field(totals, "errors_by_cause");
  if (!causes.is_object()) throw read.invalid("'errors_by_cause' is not an object");
  for (const auto& [cause, count] : causes.items())
    counts.errors_by_cause[cause] = read.count(causes, cause.c_str());
  const nlohmann::json& connections = read.field(totals, "connections");
  counts.connections_attempted = read.count(connections, "attempted");
  counts.connections_made = read.count(connections, "connected");
  results.connect_seconds = read.number(connections, "connect_s");
  const nlohmann::json& rates = read.field(totals, "rates");
  results.rates = Rates{read.number(rates, "sent_per_s"), read.number(rates, "acked_per_s"),
                        read.number(rates, "received_per_s"), read.number(rates, "connects_per_s")};

  const nlohmann::json& histograms = read.field(document, "histograms");
  results.latency = read.histogram(histograms, "latency");
  results.ack_latency = read.histogram(histograms, "ack_latency");
  results.connect_latency = read.histogram(histograms, "connect_latency");
  results.churn = read.churn(totals);
  if (results.churn) results.reconnect_latency = read.histogram(histograms, "reconnect_latency");

  const nlohmann::json& series = read.field(document, "series");
  if (!series.is_array()) throw read.invalid("'series' is not a list");
  for (const nlohmann::json& entry : series)
    results.series.push_back(read.sample(entry));
  results.load_generator_busy = read.optional_share(totals, "load_generator_busy");
  results.steps = read.steps(document);
  return results;
}

std::uint64_t lost_across_shards(const std::vector<const Sequences*>& parts) {
  std::map<std::uint32_t, std::uint64_t> published;
  std::map<std::pair<std::uint32_t, std::uint32_t>, const Sequences::Stream*> streams;
  for (const Sequences* part : parts) {
    published.insert(part->published.begin(), part->published.end());
    for (const Sequences::Stream& stream : part->streams)
      streams[{stream.subscriber, stream.publisher}] = &stream;
  }
  const Sequences& first = *parts.front();
  std::uint64_t lost = 0;
  for (const Sequences* part : parts) {
    for (const std::uint32_t subscriber : part->ready_subscribers) {
      std::vector<std::uint32_t> sources{subscriber};  // pairs
      if (first.pattern == "fan-out") sources = {0};
      if (first.pattern == "fan-in") {
        sources.clear();
        for (std::uint32_t k = 0; k < first.publishers; ++k)
          sources.push_back(k);
      }
      for (const std::uint32_t source : sources) {
        const auto sent = published.find(source);
        const std::uint64_t count = sent == published.end() ? 0 : sent->second;
        const auto stream = streams.find({subscriber, source});
        lost +=
            stream == streams.end()
                ? count
                : stream->second->missing + (count > stream->second->next ? count - stream->second->next : 0);
      }
    }
  }
  return lost;
}

Results merge(const std::vector<Results>& parts) {
  if (parts.size() == 1) return parts.front();
  Results merged;
  merged.sources = 0;
  std::map<int, SecondSample> seconds;
  for (const Results& part : parts) {
    if (merged.scenario.empty()) {
      merged.scenario = part.scenario;
      merged.settings = part.settings;
    } else if (merged.scenario != part.scenario) {
      merged.scenario = "mixed";
    }
    merged.sources += part.sources;
    merged.interrupted = merged.interrupted || part.interrupted;
    merged.measured_seconds = std::max(merged.measured_seconds, part.measured_seconds);
    merged.connect_seconds = std::max(merged.connect_seconds, part.connect_seconds);
    Totals& totals = merged.totals;
    totals.sent += part.totals.sent;
    totals.acked += part.totals.acked;
    totals.received += part.totals.received;
    totals.lost += part.totals.lost;
    totals.duplicated += part.totals.duplicated;
    totals.reordered += part.totals.reordered;
    totals.behind_schedule += part.totals.behind_schedule;
    totals.window_full += part.totals.window_full;
    totals.unrecognized += part.totals.unrecognized;
    totals.connections_attempted += part.totals.connections_attempted;
    totals.connections_made += part.totals.connections_made;
    for (const auto& [cause, count] : part.totals.errors_by_cause)
      totals.errors_by_cause[cause] += count;
    merged.rates.sent += part.rates.sent;
    merged.rates.acked += part.rates.acked;
    merged.rates.received += part.rates.received;
    merged.rates.connects += part.rates.connects;
    merged.latency.merge(part.latency);
    merged.ack_latency.merge(part.ack_latency);
    merged.connect_latency.merge(part.connect_latency);
    if (part.churn) {
      if (!merged.churn) merged.churn.emplace();
      merged.churn->add(*part.churn);
      merged.reconnect_latency.merge(part.reconnect_latency);
    }
    for (const SecondSample& sample : part.series) {
      SecondSample& sum = seconds[sample.t];
      sum.t = sample.t;
      if (sum.phase.empty()) sum.phase = sample.phase;
      sum.connections += sample.connections;
      sum.sent += sample.sent;
      sum.acked += sample.acked;
      sum.received += sample.received;
      sum.errors += sample.errors;
      sum.connects += sample.connects;
      sum.reconnects += sample.reconnects;
    }
  }
  for (auto& [t, sample] : seconds)
    merged.series.push_back(std::move(sample));
  if (shards_of_one_run(parts)) {
    merged.run_id = parts.front().run_id;
    merged.description = parts.front().description;  // every shard describes the whole run
    std::vector<const Sequences*> sequences;
    for (const Results& part : parts)
      if (part.sequences) sequences.push_back(&*part.sequences);
    if (sequences.size() == parts.size()) merged.totals.lost = lost_across_shards(sequences);
    return merged;
  }
  merged.description =
      fmt::format("{} results merged; the first: {}", merged.sources, parts.front().description);
  return merged;
}

std::string summary_table(const Results& results, bool colour) {
  std::string text =
      paint(fmt::format("mqbench {}: {}", results.scenario, results.description), Style::emphasis, colour) +
      "\n";
  if (results.from_find_max()) {
    text += "\nfind-max steps\n" + find_max_summary(results.steps, results.interrupted);
    if (results.steps.empty()) return text;  // stopped before a step ended: nothing measured to show
    const Step* limit = limit_step(results.steps);
    text += limit ? fmt::format("\nat the limit, {:.0f}/s:\n", limit->asked) : "\nthe last step:\n";
  } else if (results.interrupted) {
    text += "interrupted: the results cover the time until the stop signal\n";
  }
  if (results.shard && results.shard->sharded())
    text += fmt::format("shard {} of run {}: this shard's clients only; report --collect merges the shards\n",
                        results.shard->text(), results.run_id);
  if (results.scenario != "conn") text += fmt::format("measured for {:.2f} s\n", results.measured_seconds);
  if (results.load_generator_busy && *results.load_generator_busy >= saturated_share)
    text += paint(fmt::format("mqbench's threads were busy {:.0f}% of the measured time: mqbench itself may "
                              "be the bottleneck (give --threads)",
                              *results.load_generator_busy * 100),
                  Style::error, colour) +
            "\n";
  text += message_table(results, colour);
  text += latency_table(results);
  const Totals& totals = results.totals;
  text += fmt::format("\nconnections: {} of {} made", totals.connections_made, totals.connections_attempted);
  if (totals.connections_failed() != 0)
    text += paint(fmt::format(", {} failed", totals.connections_failed()), Style::error, colour);
  if (results.rates.connects > 0) text += fmt::format(", {:.1f} per second", results.rates.connects);
  text += "\n";
  if (results.churn) text += churn_lines(*results.churn, colour);
  return text + error_lines(totals, colour) + gate_lines(results.gates, colour);
}

std::string live_line(const SecondSample& sample) {
  std::string line = fmt::format("{:>4}s {:<8} {} connected", sample.t, sample.phase, sample.connections);
  if (sample.sent != 0 || sample.acked != 0) line += fmt::format(", sent {}/s", sample.sent);
  if (sample.received != 0 || sample.p50_us) line += fmt::format(", received {}/s", sample.received);
  if (sample.p50_us)
    line += fmt::format(", latency p50 {:.3f} ms p99 {:.3f} ms", milliseconds(*sample.p50_us),
                        milliseconds(sample.p99_us.value_or(0)));
  if (sample.connect_p50_us)
    line +=
        fmt::format(", connects {}/s, connect p50 {:.3f} ms p99 {:.3f} ms", sample.connects,
                    milliseconds(*sample.connect_p50_us), milliseconds(sample.connect_p99_us.value_or(0)));
  if (sample.reconnects != 0) line += fmt::format(", reconnected {}/s", sample.reconnects);
  return line + fmt::format(", {} errors", sample.errors);
}

}  // namespace mq::bench
