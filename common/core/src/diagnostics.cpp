#include "mq/diagnostics.hpp"

#include <cerrno>
#include <cstdio>
#include <mutex>

#include "mq/terminal.hpp"

namespace mq::diag {
namespace {

struct State {
  std::string program = "mq";
  Verbosity verbosity = Verbosity::normal;
  std::mutex output;  // mqbench reports from several threads
};

State& state() {
  static State instance;
  return instance;
}

// One write per event so lines from threads never interleave; errno is preserved because
// callers report from inside libmosquitto callbacks whose caller still inspects it.
void write_block(std::string_view text) {
  const int saved_errno = errno;
  std::lock_guard lock{state().output};
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  errno = saved_errno;
}

// Labels are coloured when stderr is a terminal (and NO_COLOR is not set).
std::string label(std::string_view text, Style style) {
  static const bool colour = colour_enabled(2);
  return paint(text, style, colour);
}

}  // namespace

void set_program(std::string_view name) { state().program = name; }
const std::string& program() { return state().program; }
void set_verbosity(Verbosity verbosity) { state().verbosity = verbosity; }
Verbosity verbosity() { return state().verbosity; }

void error(const Error& failure) {
  if (verbosity() == Verbosity::quiet) return;
  std::string text = fmt::format("{}: {} {}\n", program(), label("error:", Style::error), failure.what());
  if (!failure.cause().empty())
    text += fmt::format("  {} {}\n", label("cause:", Style::emphasis), failure.cause());
  if (!failure.fix().empty()) text += fmt::format("  {} {}\n", label("fix:", Style::emphasis), failure.fix());
  write_block(text);
}

void warning(std::string_view text) {
  if (verbosity() == Verbosity::quiet) return;
  write_block(fmt::format("{}: {} {}\n", program(), label("warning:", Style::warning), text));
}

void info(std::string_view text) {
  if (verbosity() == Verbosity::quiet) return;
  write_block(fmt::format("{}: {}\n", program(), text));
}

void debug_line(std::string_view text) {
  if (!debugging()) return;
  write_block(fmt::format("{}: debug: {}\n", program(), text));
}

}  // namespace mq::diag
