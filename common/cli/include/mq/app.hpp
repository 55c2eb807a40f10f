#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "mq/error.hpp"

namespace mq {

/// One command line shown at the end of --help, with what it is for.
struct Example {
  std::string purpose;
  std::string command;
};

/// A tool's command line: --help and --version only (-h is the host, -V the protocol version),
/// options listed by group, and a footer pointing at the manual.
class ToolApp : public CLI::App {
public:
  ToolApp(std::string name, std::string description);

  /// Registers -o/--options-file and reads options from it, or from the per-user defaults
  /// file $XDG_CONFIG_HOME/mq/<tool>, before the command line (mosquitto 2.1's -o).
  void accept_options_files();
  /// Ends --help with an "Examples:" section, before the pointer to the manual.
  void examples(const std::vector<Example>& list);

  /// Makes `name` the subcommand a command line means when its first word names none and is
  /// not --help, --version or --completion (mqbench: pubsub).
  void default_subcommand(std::string name) { default_subcommand_ = std::move(name); }

  /// Whether accept_options_files() was called.
  bool reads_options_files() const { return reads_options_files_; }
  /// `words` (the program name first) with the default subcommand put in where it is meant.
  std::vector<std::string> with_default_subcommand(std::vector<std::string> words);

private:
  bool reads_options_files_ = false;
  std::string default_subcommand_;
};

/// The body of a tool: runs after the command line parsed, returns the exit code of a success
/// (normally Exit::ok) and throws mq::Error for every failure.
using ToolBody = std::function<Exit()>;

/// Parses the command line, runs the tool, prints any failure in the diagnostics format and
/// returns the process exit status. Every tool's main() ends here; nothing below calls exit().
int run_main(ToolApp& app, int argc, char** argv, const ToolBody& body);

/// Parses and maps CLI11's own errors to mq::Error (usage), for run_main and for tests; puts in
/// the default subcommand (see ToolApp::default_subcommand).
void parse_command_line(ToolApp& app, int argc, const char* const* argv);

}  // namespace mq
