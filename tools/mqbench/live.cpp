#include "live.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mq/diagnostics.hpp"

namespace mq::bench {
namespace {

constexpr int bar_width = 30;

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDERR_FILENO) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

}  // namespace

LiveOutput::LiveOutput()
    : enabled_(diag::verbosity() != diag::Verbosity::quiet),
      terminal_(enabled_ && !diag::debugging() && stderr_is_terminal()) {}

LiveOutput::~LiveOutput() { end_bar(); }

void LiveOutput::bar(std::string_view label, double fraction, std::string_view detail) {
  const Clock::time_point now = Clock::now();
  if (!terminal_ || now < next_draw_) return;
  next_draw_ = now + std::chrono::milliseconds(100);
  const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * bar_width);
  const std::string text = fmt::format("\r{}: {:<11}[{:#<{}}{:.<{}}] {}\x1b[K", diag::program(), label, "",
                                       filled, "", bar_width - filled, detail);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  bar_shown_ = true;
}

void LiveOutput::end_bar() {
  if (!bar_shown_) return;
  std::fputs("\n", stderr);
  bar_shown_ = false;
  next_draw_ = {};
}

void LiveOutput::line(std::string_view text) {
  if (!enabled_) return;
  end_bar();
  diag::info(text);
}

}  // namespace mq::bench
