#include <doctest/doctest.h>

#include "mq/error.hpp"
#include "results.hpp"

using namespace mq::bench;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Results sample_run(std::uint64_t sent, std::uint64_t latency_base) {
  Results results;
  results.scenario = "pubsub";
  results.description = "1 publisher -> 1 subscriber";
  results.measured_seconds = 10;
  results.connect_seconds = 0.5;
  results.totals.sent = sent;
  results.totals.acked = sent;
  results.totals.received = sent - 2;
  results.totals.lost = 2;
  results.totals.connections_attempted = 2;
  results.totals.connections_made = 2;
  results.totals.errors_by_cause["the connection to localhost:1883 was lost"] = 1;
  for (std::uint64_t i = 0; i < sent - 2; ++i)
    results.latency.record(latency_base + i);
  results.connect_latency.record(300);
  results.series.push_back(SecondSample{1, "measure", 2, sent, sent, sent - 2, 1, 100, 200, 300, 0, {}, {}});
  results.compute_rates();
  return results;
}

}  // namespace

TEST_CASE("the JSON document has the documented totals and reads back the same") {
  const Results run = sample_run(1000, 100);
  const nlohmann::json document = to_json(run);
  const nlohmann::json& totals = document["totals"];
  for (const char* field : {"sent", "acked", "received", "lost", "duplicated", "reordered", "errors"})
    CHECK(totals.contains(field));
  CHECK(totals["sent"] == 1000);
  CHECK(totals["errors"] == 1);
  CHECK(totals["rates"]["sent_per_s"] == 100.0);
  CHECK(totals["latency_ms"]["p50"] == doctest::Approx(0.598));
  CHECK(document["series"][0]["latency_ms"]["p99"] == 0.2);

  const Results read = results_from_json(nlohmann::json::parse(document.dump()), "run.json");
  CHECK(read.totals.received == 998);
  CHECK(read.latency.snapshot().buckets == run.latency.snapshot().buckets);
  CHECK(read.latency.percentile(99) == run.latency.percentile(99));
  CHECK(read.series.at(0).p99_us == 200);
  CHECK(to_json(read) == document);
}

TEST_CASE("merging adds counts and rates and merges histograms exactly") {
  const Results merged = merge({sample_run(1000, 100), sample_run(3000, 5000)});
  CHECK(merged.sources == 2);
  CHECK(merged.totals.sent == 4000);
  CHECK(merged.totals.lost == 4);
  CHECK(merged.totals.errors() == 2);
  CHECK(merged.rates.sent == 400.0);
  CHECK(merged.latency.count() == 998 + 2998);
  CHECK(merged.latency.min() == 100);
  CHECK(merged.latency.max() == 5000 + 2997);
  CHECK(merged.series.at(0).sent == 4000);
  CHECK_FALSE(merged.series.at(0).p50_us.has_value());  // per-second percentiles do not merge
  CHECK(merge({sample_run(10, 1),
               [] {
                 Results other = sample_run(10, 1);
                 other.scenario = "pub";
                 return other;
               }()})
            .scenario == "mixed");
}

TEST_CASE("a document that is not an mqbench result is a usage error naming the file and the field") {
  const auto message_of = [](const nlohmann::json& document) {
    try {
      results_from_json(document, "x.json");
    } catch (const mq::Error& error) {
      CHECK(error.code() == mq::Exit::usage);
      return std::string{error.what()};
    }
    return std::string{"accepted"};
  };
  CHECK(contains(message_of(nlohmann::json::array()), "'x.json' is not an mqbench result"));
  nlohmann::json document = to_json(sample_run(100, 10));
  document["totals"].erase("lost");
  CHECK(contains(message_of(document), "'lost' is missing"));
  document = to_json(sample_run(100, 10));
  document["totals"]["sent"] = -3;
  CHECK(contains(message_of(document), "'sent' is not a count"));
  document = to_json(sample_run(100, 10));
  document["histograms"]["latency"]["max"] = 1;
  CHECK(contains(message_of(document), "histogram 'latency'"));
}

TEST_CASE("the summary table shows counts, rates, percentiles and errors by cause") {
  const std::string table = summary_table(sample_run(1000, 100));
  CHECK(contains(table, "mqbench pubsub: 1 publisher -> 1 subscriber"));
  CHECK(contains(table, "sent"));
  CHECK(contains(table, "1000"));
  CHECK(contains(table, "100.0"));
  CHECK(contains(table, "p99.9"));
  CHECK(contains(table, "end-to-end"));
  CHECK(contains(table, "connections: 2 of 2 made"));
  CHECK(contains(table, "errors: 1"));
  CHECK(contains(table, "1  the connection to localhost:1883 was lost"));
}

TEST_CASE("on a terminal the summary's heading stands out and the counts of trouble are red") {
  Results run = sample_run(1000, 100);
  run.totals.duplicated = 0;
  const std::string plain = summary_table(run);
  CHECK_FALSE(contains(plain, "\x1b["));
  const std::string coloured = summary_table(run, true);
  CHECK(contains(coloured, "\x1b[1mmqbench pubsub: 1 publisher -> 1 subscriber\x1b[0m\n"));
  CHECK(contains(coloured, "\x1b[1;31m  lost "));
  CHECK(contains(coloured, "\x1b[1;31merrors: 1\x1b[0m\n"));
  CHECK(contains(coloured, "\n  duplicated "));  // zero: nothing to see
}

TEST_CASE("the gates are written with the result, read back, and shown in the summary") {
  Results run = sample_run(1000, 100);
  run.gates = {
      Gate{"--fail-p99", 0.5, "ms", 1.097, false, "the p99 latency 1.097 ms is above --fail-p99 0.5"},
      Gate{"--fail-errors", 3, "errors", 1, true, "1 error, within --fail-errors 3"},
      Gate{"--fail-p99", 1, "ms", std::nullopt, false, "no latency was measured"}};
  const nlohmann::json document = to_json(run);
  REQUIRE(document["gates"].size() == 3);
  CHECK(document["gates"][0] ==
        nlohmann::json{{"option", "--fail-p99"},
                       {"limit", 0.5},
                       {"unit", "ms"},
                       {"value", 1.097},
                       {"passed", false},
                       {"detail", "the p99 latency 1.097 ms is above --fail-p99 0.5"}});
  CHECK(document["gates"][2]["value"].is_null());
  const Results read = results_from_json(nlohmann::json::parse(document.dump()), "run.json");
  REQUIRE(read.gates.size() == 3);
  CHECK(read.gates[1].passed);
  CHECK_FALSE(read.gates[2].value.has_value());
  CHECK(to_json(read) == document);

  const std::string table = summary_table(run);
  CHECK(contains(table, "\ngates\n  FAILED  the p99 latency 1.097 ms is above --fail-p99 0.5\n"));
  CHECK(contains(table, "  passed  1 error, within --fail-errors 3\n"));
  CHECK(contains(summary_table(run, true), "\x1b[1;31m  FAILED  the p99"));
  CHECK(merge({run, run}).gates.empty());  // a merge has not been checked against anything yet
}

TEST_CASE("a result written before the gates existed still reads, malformed gates do not") {
  nlohmann::json document = to_json(sample_run(100, 10));
  document.erase("gates");
  CHECK(results_from_json(document, "old.json").gates.empty());
  document["gates"] = "none";
  CHECK_THROWS_AS(results_from_json(document, "x.json"), mq::Error);
  document["gates"] = nlohmann::json::array({{{"option", "--fail-p99"}, {"limit", 1}, {"unit", "ms"}}});
  CHECK_THROWS_AS(results_from_json(document, "x.json"), mq::Error);
  document["gates"][0]["value"] = nullptr;
  document["gates"][0]["passed"] = "yes";
  document["gates"][0]["detail"] = "";
  CHECK_THROWS_AS(results_from_json(document, "x.json"), mq::Error);
}

TEST_CASE("connections that failed are counted in the JSON and the summary") {
  Results run = sample_run(100, 10);
  run.totals.connections_attempted = 5;
  run.totals.connections_made = 2;
  CHECK(to_json(run)["totals"]["connections"]["failed"] == 3);
  CHECK(contains(summary_table(run), "connections: 2 of 5 made, 3 failed, 4.0 per second\n"));
  CHECK(run.totals.most_common_cause() == "the connection to localhost:1883 was lost");
}
