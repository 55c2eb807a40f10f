#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "rate_search.hpp"

using namespace mq::bench;

namespace {

// Runs a search against a broker that passes every rate up to `limit`; returns the search.
RateSearch search_against(double limit, SearchSettings settings = {}) {
  RateSearch search{settings};
  while (const auto rate = search.next())
    search.record(*rate, *rate <= limit);
  return search;
}

}  // namespace

TEST_CASE("the first step asks for the starting rate, then each passing step doubles it") {
  RateSearch search{SearchSettings{.start = 100}};
  CHECK(search.next() == 100);
  search.record(100, true);
  CHECK(search.next() == 200);
  search.record(200, true);
  CHECK(search.next() == 400);
}

TEST_CASE("after the first failure the search bisects between the highest pass and the lowest failure") {
  RateSearch search{SearchSettings{.start = 100}};
  search.record(100, true);
  search.record(200, true);
  search.record(400, false);
  CHECK(search.next() == 300);
  search.record(300, false);
  CHECK(search.next() == 250);
  search.record(250, true);
  CHECK(search.next() == 275);
}

TEST_CASE("the search ends with a limit within the precision below the true one") {
  for (const double limit : {1.0, 7.0, 999.0, 1000.0, 1001.0, 12'345.0, 3'000'000.0}) {
    CAPTURE(limit);
    const RateSearch search = search_against(limit);
    REQUIRE(search.end() == RateSearch::End::converged);
    REQUIRE(search.highest_passing());
    CHECK(*search.highest_passing() <= limit);
    CHECK(*search.lowest_failing() > limit);
    CHECK(*search.lowest_failing() <= *search.highest_passing() * 1.05);
    CHECK(search.steps() <= 20);
  }
}

TEST_CASE("a finer precision takes more steps and lands closer") {
  const RateSearch coarse = search_against(12'345, SearchSettings{.precision = 0.2});
  const RateSearch fine = search_against(12'345, SearchSettings{.precision = 0.001});
  CHECK(coarse.steps() < fine.steps());
  CHECK(12'345 - *fine.highest_passing() < 12'345 - *coarse.highest_passing());
  CHECK(*fine.highest_passing() >= 12'345 * 0.999);
}

TEST_CASE("when even the starting rate fails, the search shrinks until one passes") {
  RateSearch search{SearchSettings{.start = 1000}};
  search.record(1000, false);
  CHECK(search.next() == 500);
  search.record(500, false);
  CHECK(search.next() == 250);
  search.record(250, true);
  CHECK(search.next() == 375);
}

TEST_CASE("when nothing passes, the search stops at the lowest rate") {
  const RateSearch search = search_against(0.5, SearchSettings{.start = 1000, .lowest = 1});
  CHECK(search.end() == RateSearch::End::nothing_passed);
  CHECK_FALSE(search.highest_passing());
  CHECK(search.lowest_failing() == 1);
  CHECK(search.steps() == 11);  // 1000, 500, ... 1.95, then 1
}

TEST_CASE("when nothing fails, the search stops at the highest rate") {
  const RateSearch search = search_against(1e12, SearchSettings{.start = 1000, .highest = 1e6});
  CHECK(search.end() == RateSearch::End::nothing_failed);
  CHECK(search.highest_passing() == 1e6);
  CHECK_FALSE(search.lowest_failing());
}

TEST_CASE("a search never takes more than its most steps, whatever the answers") {
  RateSearch search{SearchSettings{.precision = 1e-12, .most_steps = 7}};
  int steps = 0;
  while (const auto rate = search.next()) {
    search.record(*rate, steps % 2 == 0);
    ++steps;
  }
  CHECK(steps == 7);
  CHECK(search.end() == RateSearch::End::step_limit);
}

TEST_CASE("a noisy answer never leaves a failure below a pass") {
  RateSearch search{SearchSettings{.start = 100}};
  search.record(100, true);
  search.record(200, false);
  search.record(400, true);  // the broker took more than it did a step ago
  CHECK(search.highest_passing() == 400);
  CHECK_FALSE(search.lowest_failing());
  search.record(300, false);
  CHECK_FALSE(search.highest_passing());
  CHECK(search.lowest_failing() == 300);
}

TEST_CASE("settings that could not end are refused") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const SearchSettings& settings :
       {SearchSettings{.start = nan}, SearchSettings{.start = inf}, SearchSettings{.start = 0},
        SearchSettings{.start = -5}, SearchSettings{.growth = 1}, SearchSettings{.growth = nan},
        SearchSettings{.precision = 0}, SearchSettings{.precision = -0.1}, SearchSettings{.precision = inf},
        SearchSettings{.start = 0.5, .lowest = 1}, SearchSettings{.start = 2e9},
        SearchSettings{.lowest = 10, .highest = 5}, SearchSettings{.most_steps = 0}}) {
    CHECK_THROWS_AS(RateSearch{settings}, std::invalid_argument);
  }
}
