#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mq::test {

using namespace std::chrono_literals;

/// How to start a program: arguments, standard input and extra environment.
struct Command {
  std::vector<std::string> argv;
  std::optional<std::string> input;                // standard input; none: /dev/null
  std::map<std::string, std::string> environment;  // added to (or replacing in) ours
};

/// What a finished program did.
struct Outcome {
  int exit_code = -1;  // the exit status, or 128 + signal when killed
  std::string out;
  std::string err;
};

/// A program running in the background; its output goes to files so it can never block on a
/// full pipe. The destructor kills it if it is still running.
class Process {
public:
  Process(const Command& command, const std::filesystem::path& output_dir);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  /// Sends a signal.
  void signal(int signal_number) const;
  /// Waits for the exit; returns the exit code, or nothing when `timeout` passes first.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  /// Waits for the exit (at most a minute, then kills it and fails) and returns everything.
  Outcome finish();
  /// Waits until `text` appears on stderr (or stdout), or the program exits, or timeout.
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout = 10s) const;
  bool wait_for_stdout(const std::string& text, std::chrono::milliseconds timeout = 10s) const;
  std::string out() const;
  std::string err() const;
  bool running();

private:
  bool wait_for_text(const std::filesystem::path& file, const std::string& text,
                     std::chrono::milliseconds timeout) const;

  int pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

/// Runs a program to completion (at most a minute).
Outcome run(const Command& command, const std::filesystem::path& output_dir);

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
int free_port();

/// Whether something accepts TCP connections on port of `address` (127.0.0.1 or ::1).
bool accepts_connections(int port, const std::string& address = "127.0.0.1");

}  // namespace mq::test
