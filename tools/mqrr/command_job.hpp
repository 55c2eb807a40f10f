#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

// One run of --serve's command for one request: the request's payload on its standard input,
// its standard output taken whole, the first line of its standard error kept, no shell.
namespace mq::rr {

/// What a command runs with.
struct JobInput {
  std::vector<std::string> command;                  // the program (looked up in PATH) and its arguments
  std::vector<std::string> environment;              // "NAME=value" added to mqrr's own environment
  std::string input;                                 // written to its standard input, which is then closed
  std::optional<std::chrono::milliseconds> timeout;  // killed after this long
  std::size_t output_limit = 0;                      // killed once its output is larger
};

/// How it ended.
struct JobOutcome {
  std::string output;      // all of its standard output (up to output_limit)
  int exit_code = 0;       // its exit status, 128 + N when signal N ended it, 127 when it could not start
  std::string error_line;  // the first line of its standard error, or why mqrr ended it
  bool succeeded() const { return exit_code == 0; }
};

/// Runs the command to its end (or its timeout, its output limit, or `cancel` becoming true,
/// each of which kills its whole process group). Blocks; runs on a job thread.
JobOutcome run_command(const JobInput& job, const std::atomic<bool>& cancel);

/// Whether `program` can be run: a path to an executable file, or a name found in PATH.
bool program_exists(const std::string& program);

}  // namespace mq::rr
