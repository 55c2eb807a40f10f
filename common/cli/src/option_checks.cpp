#include "mq/option_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "mq/text.hpp"

namespace mq {
namespace {

// A bound as people write it: 1000000000 rather than 1e+09, 0.001 rather than 1e-03.
std::string bound_text(double bound) {
  if (bound == std::floor(bound) && std::fabs(bound) < 1e15) return fmt::format("{:.0f}", bound);
  return fmt::format("{}", bound);
}

// Why `text` does not read as a finite number, or "" when it does (stored in `value`).
std::string unreadable_real(const std::string& text, double& value) {
  const std::string shown = printable(text);
  if (text.empty()) return "the value is empty";
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || std::isnan(value))
    return fmt::format("'{}' is not a number", shown);
  if (std::isinf(value) && errno != ERANGE) return fmt::format("'{}' is not a finite number", shown);
  if (errno == ERANGE) return fmt::format("{} is out of range", shown);
  return {};
}

// The description is what CLI11 appends to the type name ("INT:{0,1,2}"): shell completion
// offers the values listed in braces.
CLI::Validator named_check(std::function<std::string(std::string_view)> problem,
                           std::string description = {}) {
  CLI::Validator check{[problem = std::move(problem)](std::string& text) { return problem(text); },
                       std::move(description)};
  return check.name(number_check_name);
}

}  // namespace

std::string whole_number_problem(std::string_view text, std::int64_t min, std::int64_t max) {
  const std::string range = fmt::format("from {} to {}", min, max);
  std::int64_t value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  const auto [end, error] = std::from_chars(first, last, value);
  const bool whole = error != std::errc::invalid_argument && end == last && !text.empty();
  if (!whole) return fmt::format("'{}' is not a whole number: give one {}", printable(text), range);
  if (error == std::errc::result_out_of_range || value < min || value > max)
    return fmt::format("{} is out of range: give a whole number {}", printable(text), range);
  return {};
}

std::string real_number_problem(std::string_view text, double min, double max) {
  const std::string range = fmt::format("from {} to {}", bound_text(min), bound_text(max));
  double value = 0;
  if (const std::string problem = unreadable_real(std::string{text}, value); !problem.empty())
    return fmt::format("{}: give a number {}", problem, range);
  if (value < min || value > max)
    return fmt::format("{} is out of range: give a number {}", printable(text), range);
  return {};
}

CLI::Validator whole_number(std::int64_t min, std::int64_t max) {
  std::vector<std::int64_t> few;  // a handful of values (a QoS) are offered by completion
  for (std::int64_t value = min; max - min < 10 && value <= max; ++value)
    few.push_back(value);
  return named_check([min, max](std::string_view text) { return whole_number_problem(text, min, max); },
                     few.empty() ? std::string{} : fmt::format("{{{}}}", fmt::join(few, ",")));
}

CLI::Validator real_number(double min, double max) {
  return named_check([min, max](std::string_view text) { return real_number_problem(text, min, max); });
}

CLI::Validator one_of(std::vector<std::string> names) {
  const std::string listed = fmt::format("{}", fmt::join(names, ", "));
  const std::vector<std::string> accepted = names;
  return CLI::Validator{[accepted, listed](std::string& text) -> std::string {
                          for (const std::string& name : accepted)
                            if (text == name) return {};
                          return fmt::format("'{}' is not one of {}", printable(text), listed);
                        },
                        fmt::format("{{{}}}", fmt::join(names, ","))};
}

}  // namespace mq
