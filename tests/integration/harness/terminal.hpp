#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace mq::test {

/// A program run on a new pseudo-terminal (its standard input, output and error), for what
/// only happens on a terminal: prompts without echo, Ctrl-C at a prompt. The test reads the
/// screen and types keys. The destructor kills the program if it still runs.
class Terminal {
public:
  Terminal(const std::vector<std::string>& argv, const std::filesystem::path& directory);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  /// Reads the screen until `text` appears after what earlier waits consumed (true), or the
  /// program closes the terminal or `timeout` passes (false).
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Types keys, e.g. "secret\n", or "\x03" for Ctrl-C.
  void type(const std::string& keys);
  /// Reads the screen until the program ends and returns its exit code (128 + signal if killed).
  int finish();
  /// Everything the program and the terminal's echo showed so far.
  const std::string& screen() const { return screen_; }
  /// Whether the terminal echoes typed keys now.
  bool echoes() const;

private:
  bool read_some(std::chrono::milliseconds timeout);

  int pid_ = -1;
  int master_ = -1;
  std::string screen_;
  std::size_t consumed_ = 0;
  bool closed_ = false;
};

}  // namespace mq::test
