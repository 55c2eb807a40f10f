#pragma once

#include <string>
#include <string_view>

#include "mq/pacer.hpp"

namespace mq::bench {

/// What mqbench says on stderr while it runs: a progress bar on a terminal while connecting,
/// ramping and warming up, and a line per second otherwise; nothing with --quiet.
class LiveOutput {
public:
  LiveOutput();
  ~LiveOutput();

  /// Whether a bar can be drawn (stderr is a terminal, and -d traces are not interleaved).
  bool terminal() const { return terminal_; }
  /// Draws (at most ten times a second) "label [####......] detail".
  void bar(std::string_view label, double fraction, std::string_view detail);
  /// Prints one line, after clearing any bar.
  void line(std::string_view text);
  /// Ends the bar, leaving its last state on screen.
  void end_bar();

private:
  bool enabled_;
  bool terminal_;
  bool bar_shown_ = false;
  Clock::time_point next_draw_{};
};

}  // namespace mq::bench
