#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The one validator of numbers and choices given on the command line: every numeric option of
// every tool is checked by whole_number or real_number, every choice by one_of, and numbers
// inside other values (-D properties, --fail-loss) by the same *_problem functions, so that
// NaN, infinity, fractions where a count is due and out-of-range values are refused alike, in
// our words, naming what is accepted.
namespace mq {

/// The name our numeric validators carry, so that tests can find every numeric option.
inline constexpr const char* number_check_name = "number";

/// Why `text` is not a whole decimal number from `min` to `max` ("'1.5' is not a whole number:
/// give one from 0 to 2"); empty when it is one.
std::string whole_number_problem(std::string_view text, std::int64_t min, std::int64_t max);

/// Why `text` is not a finite number from `min` to `max`; empty when it is one.
std::string real_number_problem(std::string_view text, double min, double max);

/// A validator for an option that takes a whole number from `min` to `max`.
CLI::Validator whole_number(std::int64_t min, std::int64_t max);

/// A validator for an option that takes a finite number (decimal, with an optional exponent).
CLI::Validator real_number(double min, double max);

/// A validator for an option that takes exactly one of `names`; refuses others, listing them.
CLI::Validator one_of(std::vector<std::string> names);

}  // namespace mq
