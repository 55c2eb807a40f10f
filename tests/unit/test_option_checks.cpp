#include <doctest/doctest.h>

#include "mq/option_checks.hpp"

using mq::real_number_problem;
using mq::whole_number_problem;

TEST_CASE("whole numbers: decimal, in range, nothing else") {
  CHECK(whole_number_problem("0", 0, 2) == "");
  CHECK(whole_number_problem("2", 0, 2) == "");
  CHECK(whole_number_problem("+2", 0, 2) == "");
  CHECK(whole_number_problem("-1", -1, 5) == "");
  CHECK(whole_number_problem("3", 0, 2) == "3 is out of range: give a whole number from 0 to 2");
  CHECK(whole_number_problem("-1", 0, 2) == "-1 is out of range: give a whole number from 0 to 2");
  CHECK(whole_number_problem("99999999999999999999", 0, 2) ==
        "99999999999999999999 is out of range: give a whole number from 0 to 2");
  for (const char* bad : {"1.5", "nan", "inf", "-inf", "1e3", "0x10", "", " 1", "1 ", "abc", "++1", "-"}) {
    CAPTURE(bad);
    CHECK(whole_number_problem(bad, 0, 100000).find("is not a whole number: give one from 0 to 100000") !=
          std::string::npos);
  }
}

TEST_CASE("real numbers: finite, in range") {
  CHECK(real_number_problem("0.5", 0.001, 1e9) == "");
  CHECK(real_number_problem("1e3", 0.001, 1e9) == "");
  CHECK(real_number_problem("nan", 0.001, 1e9) ==
        "'nan' is not a number: give a number from 0.001 to 1000000000");
  CHECK(real_number_problem("-NaN", 0, 1) == "'-NaN' is not a number: give a number from 0 to 1");
  CHECK(real_number_problem("inf", 0, 1) == "'inf' is not a finite number: give a number from 0 to 1");
  CHECK(real_number_problem("-infinity", 0, 1) ==
        "'-infinity' is not a finite number: give a number from 0 to 1");
  CHECK(real_number_problem("1e999", 0, 1) == "1e999 is out of range: give a number from 0 to 1");
  CHECK(real_number_problem("0", 0.001, 1) == "0 is out of range: give a number from 0.001 to 1");
  CHECK(real_number_problem("1.5x", 0, 2) == "'1.5x' is not a number: give a number from 0 to 2");
  CHECK(real_number_problem("", 0, 2) == "the value is empty: give a number from 0 to 2");
}

TEST_CASE("choices list what is accepted") {
  CLI::App app;
  std::string value;
  app.add_option("--mode", value)->check(mq::one_of({"a", "b"}));
  const char* good[] = {"app", "--mode", "b"};
  CHECK_NOTHROW(app.parse(3, good));
  const char* bad[] = {"app", "--mode", "c"};
  CHECK_THROWS_WITH(app.parse(3, bad), "--mode: 'c' is not one of a, b");
}
