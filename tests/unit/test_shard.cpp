#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../tools/mqbench/command_line.hpp"
#include "bench.hpp"
#include "mq/app.hpp"
#include "mq/error.hpp"
#include "plan.hpp"
#include "results.hpp"
#include "shard.hpp"

using namespace mq::bench;

namespace {

Plan plan_of_shard(std::vector<std::string> words, Shard shard) {
  Options options;
  mq::ToolApp app{"mqbench", "test"};
  mq::bench::define_command_line(app, options);
  words.insert(words.begin(), "mqbench");
  std::vector<const char*> argv;
  for (const std::string& word : words)
    argv.push_back(word.c_str());
  mq::parse_command_line(app, static_cast<int>(argv.size()), argv.data());
  mq::finalize_client_options(options.client);
  return make_plan(options, 100'000, shard);
}

// What a client is in the whole run: its role, id and topic, and a publisher's quota.
struct Made {
  Role role;
  std::string id, topic;
  std::optional<std::uint64_t> quota;
  auto operator<=>(const Made&) const = default;
};

std::multiset<Made> clients_of(const Plan& plan) {
  std::multiset<Made> made;
  for (const ClientPlan& client : plan.clients)
    made.insert({client.role, client.client_id, client.topic,
                 client.role == Role::publisher ? plan.quota(client.global) : std::nullopt});
  return made;
}

// Checks that `shards` shards of `words` make together exactly the clients one process makes.
void check_split(const std::vector<std::string>& words, std::uint32_t shards) {
  CAPTURE(shards);
  const std::multiset<Made> whole = clients_of(plan_of_shard(words, Shard{}));
  std::multiset<Made> together;
  for (std::uint32_t k = 1; k <= shards; ++k) {
    const std::multiset<Made> part = clients_of(plan_of_shard(words, Shard{k, shards}));
    together.insert(part.begin(), part.end());
  }
  CHECK(together == whole);
  std::set<std::string> ids;
  for (const Made& client : together)
    ids.insert(client.id);
  CHECK(ids.size() == together.size());  // no id shared by two shards
}

std::string usage_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("shard.share: every item in exactly one shard, in consecutive runs, sizes within one") {
  for (const std::uint64_t total : {0ull, 1ull, 2ull, 7ull, 100ull, 1'000'003ull, (1ull << 53) + 5}) {
    for (const std::uint32_t count : {1u, 2u, 3u, 7u, 64u}) {
      CAPTURE(total);
      CAPTURE(count);
      std::uint64_t next = 0, smallest = UINT64_MAX, largest = 0;
      for (std::uint32_t k = 1; k <= count; ++k) {
        const Share share = share_of(total, Shard{k, count});
        CHECK(share.first == next);
        next = share.first + share.size;
        smallest = std::min(smallest, share.size);
        largest = std::max(largest, share.size);
      }
      CHECK(next == total);
      CHECK(largest - smallest <= 1);
    }
  }
  CHECK(share_of(10, Shard{}).size == 10);
}

TEST_CASE("shard.resolve: K/N, /N with JOB_COMPLETION_INDEX, MQBENCH_SHARDS, and mistakes") {
  CHECK(resolve_shard(std::nullopt, nullptr, nullptr) == Shard{1, 1});
  CHECK(resolve_shard(std::string{"2/3"}, nullptr, nullptr) == Shard{2, 3});
  CHECK(resolve_shard(std::string{"/3"}, nullptr, "0") == Shard{1, 3});
  CHECK(resolve_shard(std::string{"/3"}, nullptr, "2") == Shard{3, 3});
  CHECK(resolve_shard(std::nullopt, "4", "3") == Shard{4, 4});
  CHECK(resolve_shard(std::string{"1/2"}, "4", "3") == Shard{1, 2});  // --shard wins
  CHECK(Shard{}.text() == "1/1");
  CHECK(Shard{2, 3}.text() == "2/3");
  const auto error = [](const char* option, const char* shards, const char* index) {
    return usage_error_of(
        [&] { resolve_shard(option ? std::optional<std::string>{option} : std::nullopt, shards, index); });
  };
  CHECK(error("4/3", nullptr, nullptr) == "--shard '4/3' does not name one of 3 shards (1 to 3)");
  CHECK(error("0/3", nullptr, nullptr) == "--shard '0/3' does not name one of 3 shards (1 to 3)");
  CHECK(error("3", nullptr, nullptr) == "--shard '3' is not K/N");
  CHECK(error("1/0", nullptr, nullptr) == "--shard gives '0' shards: not a whole number from 1 to 100000");
  CHECK(error("1/-2", nullptr, nullptr) == "--shard gives '-2' shards: not a whole number from 1 to 100000");
  CHECK(error("+1/2", nullptr, nullptr) == "--shard '+1/2' does not name one of 2 shards (1 to 2)");
  CHECK(error("1/99999999999999999999", nullptr, nullptr).find("not a whole number") != std::string::npos);
  CHECK(error("/3", nullptr, nullptr) ==
        "--shard gives no shard number, and JOB_COMPLETION_INDEX is not set");
  CHECK(error("/3", nullptr, "3") == "JOB_COMPLETION_INDEX is '3', not a number from 0 to 2 for 3 shards");
  CHECK(error(nullptr, "x", "0") == "MQBENCH_SHARDS gives 'x' shards: not a whole number from 1 to 100000");
}

TEST_CASE("shard.run_id: the default names the scenario, the UTC time and the options, and checks") {
  const auto time = std::chrono::system_clock::time_point{std::chrono::seconds{1'796'119'200}};
  const std::string id = default_run_id("pubsub", R"({"qos":1})", time);
  CHECK(id.starts_with("pubsub-20261201T100000Z-"));
  CHECK(id.size() == std::string{"pubsub-20261201T100000Z-"}.size() + 8);
  CHECK(default_run_id("pubsub", R"({"qos":1})", time) == id);
  CHECK(default_run_id("pubsub", R"({"qos":2})", time) != id);
  CHECK_NOTHROW(check_run_id(id));
  CHECK_NOTHROW(check_run_id("a.b_c-1"));
  for (const std::string& bad :
       std::vector<std::string>{"", "a/b", "a+b", "#", "a b", std::string(101, 'x'), std::string{"a\0b", 3}})
    CHECK(usage_error_of([&] { check_run_id(bad); }).starts_with("--run-id"));
  CHECK(run_tag_of("run-1") == run_tag_of("run-1"));
  CHECK(run_tag_of("run-1") != run_tag_of("run-2"));
}

TEST_CASE("shard.start_at: RFC 3339 and Unix seconds") {
  using namespace std::chrono;
  const auto at = [](std::string_view text) {
    return duration_cast<milliseconds>(parse_start_time(text, "--start-at").time_since_epoch()).count();
  };
  CHECK(at("1796119200") == 1'796'119'200'000);
  CHECK(at("1796119200.25") == 1'796'119'200'250);
  CHECK(at("2026-12-01T10:00:00Z") == 1'796'119'200'000);
  CHECK(at("2026-12-01t10:00:00.5z") == 1'796'119'200'500);
  CHECK(at("2026-12-01 11:00:00+01:00") == 1'796'119'200'000);
  CHECK(at("2026-12-01T09:30:00-00:30") == 1'796'119'200'000);
  for (const char* bad :
       {"", "-1", "nan", "inf", "1e9", "2026-12-01T10:00:00", "2026-02-31T10:00:00Z", "2026-12-01T25:00:00Z",
        "2026-12-01T10:00:00+1:00", "99999999999999999999", "1.", "2026-12-01T10:00:00.Z"})
    CHECK(usage_error_of([&] { parse_start_time(bad, "--start-at"); }).starts_with("--start-at"));
}

TEST_CASE("shard.plan: N shards make exactly the clients, ids, topics and quotas of one process") {
  for (const std::uint32_t shards : {1u, 2u, 3u, 5u}) {
    check_split({"pubsub", "-c", "5", "--count", "17", "-q", "1", "-I", "b-"}, shards);
    check_split({"pubsub", "-c", "5", "--pattern", "fan-in", "--rate", "10", "-t", "t/%c/x", "-I", "b-"},
                shards);
    check_split({"pubsub", "-c", "5", "--pattern", "fan-out", "--rate", "10", "-I", "b-"}, shards);
    check_split({"pub", "-c", "7", "--count", "100", "-i", "p%i"}, shards);
    check_split({"sub", "-c", "6", "-t", "in/%i", "-I", "s"}, shards);
    check_split({"conn", "-c", "9", "-I", "c"}, shards);
  }
}

TEST_CASE("shard.plan: a pair stays in one shard, and the rates and the run's tag are the whole run's") {
  const Plan second =
      plan_of_shard({"-c", "5", "--total-rate", "100", "--run-id", "r1", "-I", "b-"}, Shard{2, 3});
  CHECK(second.publishers == 2);
  CHECK(second.subscribers == 2);
  CHECK(second.all_publishers == 5);
  CHECK(second.first_publisher == 1);
  CHECK(second.rate == 20);  // 100/s over 5 publishers
  CHECK(second.clients[0].global == 1);
  CHECK(second.clients[0].topic == second.clients[2].topic);  // subscriber 1 and publisher 1
  CHECK(second.run_id == "r1");
  CHECK(second.shard.text() == "2/3");
  CHECK(second.run_tag == plan_of_shard({"-c", "5", "--run-id", "r1"}, Shard{3, 3}).run_tag);
  CHECK(second.description() ==
        plan_of_shard({"-c", "5", "--total-rate", "100", "-I", "b-"}, Shard{}).description());
  // sub's --count: what each shard receives, its share
  CHECK(plan_of_shard({"sub", "-c", "3", "--count", "10"}, Shard{1, 3}).count == 3);
}

TEST_CASE("shard.plan: mistakes a shard cannot make") {
  CHECK(usage_error_of([] {
          plan_of_shard({"-c", "2"}, Shard{1, 3});
        }) == "--shard 1/3 has no client: -c 2 is split over 3 shards");
  CHECK(usage_error_of([] {
          plan_of_shard({"-c", "4", "--pattern", "fan-in"}, Shard{1, 2});
        }) == "--pattern fan-in over 2 shards needs a rate");
}

TEST_CASE("shard.merge: the loss between a publisher in one shard and its subscriber in another") {
  // fan-in: publishers 0 (shard 1) and 1 (shard 2) to subscriber 0 in shard 1
  Sequences first{"fan-in", 2, {{0, 10}}, {0}, {{0, 0, 10, 0}, {0, 1, 7, 2}}};
  Sequences second{"fan-in", 2, {{1, 9}}, {}, {}};
  // from publisher 1: 2 missing below 7, and 7, 8 never came
  CHECK(lost_across_shards({&first, &second}) == 4);
  Sequences nothing{"fan-in", 2, {{0, 10}}, {0}, {{0, 0, 10, 0}}};
  CHECK(lost_across_shards({&nothing, &second}) == 9);  // nothing of publisher 1 arrived
  // pairs: each subscriber its own publisher
  Sequences pairs{"pairs", 2, {{0, 5}, {1, 5}}, {0, 1}, {{0, 0, 5, 0}, {1, 1, 4, 1}}};
  CHECK(lost_across_shards({&pairs}) == 2);
}

TEST_CASE(
    "shard.results: the run id, the shard and the sequences survive --json, and shards merge as one run") {
  Results part;
  part.scenario = "pubsub";
  part.description = "2 publishers -> 1 subscriber (fan-in) via b:1883";
  part.run_id = "r1";
  part.shard = Shard{1, 2};
  part.totals.sent = 10;
  part.totals.received = 17;
  part.sequences = Sequences{"fan-in", 2, {{0, 10}}, {0}, {{0, 0, 10, 0}, {0, 1, 7, 2}}};
  const Results read = results_from_json(to_json(part), "part.json");
  CHECK(read.run_id == "r1");
  CHECK(read.shard == Shard{1, 2});
  REQUIRE(read.sequences);
  CHECK(read.sequences->streams.size() == 2);
  CHECK(read.sequences->streams[1].missing == 2);
  Results other = part;
  other.shard = Shard{2, 2};
  other.totals.received = 0;
  other.sequences = Sequences{"fan-in", 2, {{1, 9}}, {}, {}};
  const Results merged = merge({read, other});
  CHECK(merged.description == part.description);
  CHECK(merged.run_id == "r1");
  CHECK_FALSE(merged.shard);
  CHECK(merged.totals.sent == 20);
  CHECK(merged.totals.lost == 4);
  // Two results of other runs merge as before: their own counts added up.
  other.run_id = "r2";
  CHECK(merge({read, other}).description.starts_with("2 results merged"));
}
