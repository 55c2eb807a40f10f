#include <doctest/doctest.h>
#include <fmt/format.h>

#include "csv.hpp"
#include "find_max.hpp"
#include "mq/error.hpp"

using namespace mq::bench;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A pubsub step of one second that received `received` messages with a latency of `latency_us`.
Results step_run(std::uint64_t received, std::uint64_t latency_us, std::optional<double> busy = 0.2) {
  Results results;
  results.scenario = "pubsub";
  results.description = "1 publisher -> 1 subscriber";
  results.measured_seconds = 1;
  results.totals.sent = received;
  results.totals.acked = received;
  results.totals.received = received;
  results.totals.connections_attempted = 2;
  results.totals.connections_made = 2;
  results.latency.record(latency_us, received);
  results.load_generator_busy = busy;
  results.compute_rates();
  return results;
}

ServiceLevel p99_within(double milliseconds) {
  ServiceLevel level;
  level.limits.p99_ms = milliseconds;
  return level;
}

}  // namespace

TEST_CASE("a step passes when it meets every limit and keeps the asked rate") {
  const Step step = judge_step(1000, step_run(1000, 2000), p99_within(5));
  CHECK(step.passed);
  CHECK(step.failure.empty());
  CHECK_FALSE(step.load_generator_limited);
  REQUIRE(step.results.gates.size() == 1);
  CHECK(step.results.gates[0].passed);
}

TEST_CASE("a step fails on the first limit it misses, in the order of the gates") {
  ServiceLevel level = p99_within(1);
  level.limits.errors = 0;
  Results results = step_run(1000, 2000);
  results.totals.errors_by_cause["refused"] = 3;
  const Step step = judge_step(1000, results, level);
  CHECK_FALSE(step.passed);
  CHECK(contains(step.failure, "--fail-p99 1"));
}

TEST_CASE("a step that meets the limits but not 95% of the asked rate fails on the rate") {
  const Step kept = judge_step(1000, step_run(950, 100), {});
  CHECK(kept.passed);
  const Step short_of_it = judge_step(1000, step_run(949, 100), {});
  CHECK_FALSE(short_of_it.passed);
  CHECK(short_of_it.failure == "the received rate 949/s is below 95% of the 1000/s asked");
}

TEST_CASE("in fan-out each message is expected at every subscriber") {
  ServiceLevel level;
  level.receipts_per_message = 10;
  CHECK(judge_step(100, step_run(1000, 100), level).passed);
  CHECK_FALSE(judge_step(100, step_run(500, 100), level).passed);
}

TEST_CASE("a step whose threads were busy 90% of the time is the load generator's limit") {
  Results waited_for_the_broker = step_run(500, 100, 0.95);
  waited_for_the_broker.totals.window_full = 1;
  CHECK(judge_step(1000, waited_for_the_broker, {}).load_generator_limited);
  waited_for_the_broker.load_generator_busy = 0.5;
  CHECK_FALSE(judge_step(1000, waited_for_the_broker, {}).load_generator_limited);
  waited_for_the_broker.load_generator_busy.reset();
  CHECK_FALSE(judge_step(1000, waited_for_the_broker, {}).load_generator_limited);
}

TEST_CASE(
    "a step that sent less than asked without ever waiting for the broker is the load generator's limit") {
  CHECK(judge_step(1000, step_run(500, 100, 0.5), {}).load_generator_limited);
  CHECK_FALSE(judge_step(1000, step_run(990, 100, 0.5), {}).load_generator_limited);
}

TEST_CASE("a search over judged steps ends with the limit and what failed above it") {
  FindMax search{search_settings(1000, 5), p99_within(5)};
  // A broker whose latency grows past 5 ms above 3000 messages a second.
  while (const auto rate = search.next_rate())
    search.add(*rate, step_run(static_cast<std::uint64_t>(*rate), *rate <= 3000 ? 1000 : 9000));
  CHECK(search.end() == RateSearch::End::converged);
  const Step* limit = limit_step(search.steps());
  REQUIRE(limit);
  CHECK(limit->asked <= 3000);
  CHECK(limit->asked >= 3000 / 1.05);
  const Step* failure = first_failure_above_limit(search.steps());
  REQUIRE(failure);
  CHECK(contains(failure->failure, "above --fail-p99 5"));

  const Results conclusion = search.conclusion(nlohmann::json{{"duration_s", 1}}, false);
  CHECK(conclusion.steps.size() == search.steps().size());
  CHECK(conclusion.totals.received == static_cast<std::uint64_t>(limit->asked));
  CHECK(conclusion.settings["find_max"]["precision_percent"] == doctest::Approx(5));
  const std::string summary = find_max_summary(conclusion.steps, false);
  CHECK(contains(summary, "limited by the broker"));
  CHECK(contains(summary, fmt::format("limit: {:.0f}/s met the service level", limit->asked)));
}

TEST_CASE("the summary says when the load generator, not the broker, failed above the limit") {
  std::vector<Step> steps;
  steps.push_back(judge_step(1000, step_run(1000, 100, 0.5), {}));
  steps.push_back(judge_step(2000, step_run(1200, 100, 0.99), {}));
  const std::string summary = find_max_summary(steps, false);
  CHECK(contains(summary, "limit: 1000/s"));
  CHECK(contains(summary, "above it: at 2000/s the received rate 1200/s is below 95%"));
  CHECK(contains(summary,
                 "limited by the load generator: at 2000/s mqbench sent 1200/s, its threads busy 99% of "
                 "the time and never waiting for the broker"));
  CHECK(contains(summary, "(mqbench saturated)"));
}

TEST_CASE("an interrupted search says its limit is only what was found so far") {
  std::vector<Step> steps{judge_step(100, step_run(100, 100), {})};
  CHECK(contains(find_max_summary(steps, true), "limit: 100/s met the service level (so far"));
  CHECK(contains(find_max_summary({}, true),
                 "no rate met the service level before the search was interrupted"));
}

TEST_CASE("a find-max result writes every step with its whole result, and reads back the same") {
  FindMax search{search_settings(100, 50), p99_within(5)};
  search.add(100, step_run(100, 1000));
  search.add(200, step_run(200, 9000, 0.97));
  const Results conclusion = search.conclusion(nlohmann::json::object(), false);
  const nlohmann::json document = to_json(conclusion);
  REQUIRE(document["steps"].size() == 2);
  CHECK(document["steps"][1]["asked_per_s"] == 200);
  CHECK(document["steps"][1]["passed"] == false);
  CHECK(document["steps"][1]["load_generator_limited"] == true);
  CHECK(document["steps"][1]["result"]["totals"]["load_generator_busy"] == 0.97);
  CHECK(document["steps"][0]["result"]["histograms"]["latency"]["count"] == 100);
  CHECK_FALSE(document["steps"][0]["result"].contains("steps"));

  const Results read = results_from_json(nlohmann::json::parse(document.dump()), "search.json");
  CHECK(to_json(read) == document);
  CHECK(contains(summary_table(read), "find-max steps"));
}

TEST_CASE("a step whose result holds steps of its own, or a malformed step, is refused") {
  FindMax search{search_settings(100, 50), {}};
  search.add(100, step_run(100, 1000));
  nlohmann::json document = to_json(search.conclusion(nlohmann::json::object(), false));
  nlohmann::json nested = document;
  nested["steps"][0]["result"]["steps"] = document["steps"];
  CHECK_THROWS_AS(results_from_json(nested, "nested.json"), mq::Error);
  nlohmann::json not_a_flag = document;
  not_a_flag["steps"][0]["passed"] = "yes";
  CHECK_THROWS_AS(results_from_json(not_a_flag, "flag.json"), mq::Error);
  nlohmann::json busy = document;
  busy["totals"]["load_generator_busy"] = 1.5;
  CHECK_THROWS_AS(results_from_json(busy, "busy.json"), mq::Error);
}

TEST_CASE("--csv writes a row per second of a run, and a row per step of a search") {
  Results run = step_run(100, 1500);
  run.series.push_back(SecondSample{1, "measure", 2, 100, 100, 100, 0, 1500, 1500, 1500, 2, 800, 900});
  run.series.push_back(SecondSample{2, "drain", 2, 0, 0, 0, 0, {}, {}, {}, 0, {}, {}});
  CHECK(results_csv(run) == "t_s,phase,connections,sent,acked,received,errors,p50_ms,p99_ms,max_ms,connects,"
                            "connect_p50_ms,connect_p99_ms,reconnects\r\n"
                            "1,measure,2,100,100,100,0,1.500,1.500,1.500,2,0.800,0.900,\r\n"
                            "2,drain,2,0,0,0,0,,,,0,,,\r\n");

  FindMax search{search_settings(100, 50), p99_within(1)};
  search.add(100, step_run(100, 1500));
  const std::string steps = results_csv(search.conclusion(nlohmann::json::object(), false));
  CHECK(
      steps.rfind("step,asked_per_s,sent_per_s,acked_per_s,received_per_s,connects_per_s,p50_ms,p99_ms,lost,"
                  "errors,busy,passed,failure\r\n",
                  0) == 0);
  // The failure's sentence has no comma here; a field with one would be quoted.
  CHECK(contains(
      steps, "1,100.000,100.000,100.000,100.000,0.000,1.500,1.500,0,0,0.200,false,the p99 latency 1.500 ms "
             "is above --fail-p99 1\r\n"));
}

TEST_CASE("a starting rate above what the search tries starts at its highest") {
  CHECK(search_settings(1e12, 5).start == SearchSettings{}.highest);
  CHECK(search_settings(0.001, 5).lowest == 0.001);
  CHECK_NOTHROW(RateSearch{search_settings(1e12, 0.1)});
}

TEST_CASE("a search stopped before its first step ends says so, for its scenario") {
  FindMax search{search_settings(100, 5), {}};
  const Results conclusion = search.conclusion(nlohmann::json{{"scenario", "pub"}}, true);
  CHECK(conclusion.scenario == "pub");
  CHECK(conclusion.interrupted);
  CHECK(
      contains(summary_table(conclusion), "no rate met the service level before the search was interrupted"));
}

TEST_CASE("--csv of a search stopped before its first step is the steps' heading alone") {
  FindMax search{search_settings(100, 5), {}};
  const Results conclusion = search.conclusion(nlohmann::json{{"scenario", "pubsub"}}, true);
  const std::string rows = results_csv(conclusion);
  CHECK(rows.rfind("step,asked_per_s,", 0) == 0);
  CHECK(std::count(rows.begin(), rows.end(), '\n') == 1);
}
