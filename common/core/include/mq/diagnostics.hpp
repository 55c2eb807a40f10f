#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "mq/error.hpp"

// Diagnostics go to stderr, one event per line, prefixed with the program name; results go to
// stdout and never through here. The state is process-wide because stderr is.
namespace mq::diag {

enum class Verbosity { quiet, normal, debug };

/// Sets the name that prefixes every diagnostic ("mqpub: error: ...").
void set_program(std::string_view name);
/// The name set by set_program().
const std::string& program();

/// Sets how much is reported: quiet drops everything but the exit code, debug adds traces.
void set_verbosity(Verbosity verbosity);
/// The current verbosity.
Verbosity verbosity();
/// Whether -d/--debug traces are wanted.
inline bool debugging() { return verbosity() == Verbosity::debug; }

/// Prints a failure in the design.md §5 format: "error:" line, then "cause:" and "fix:".
void error(const Error& failure);
/// Prints "<program>: warning: <text>".
void warning(std::string_view text);
/// Prints "<program>: <text>": progress a user should see (reconnects, counts).
void info(std::string_view text);
/// Prints "<program>: debug: <text>" under -d only.
void debug_line(std::string_view text);

/// Formats and prints a -d trace line; the arguments are not formatted unless debugging.
template <typename... Args> void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (debugging()) debug_line(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mq::diag
