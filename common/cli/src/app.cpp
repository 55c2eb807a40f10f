#include "mq/app.hpp"

#include <fmt/format.h>
#include <mosquitto.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>

#include "mq/completion.hpp"
#include "mq/diagnostics.hpp"
#include "mq/options_file.hpp"
#include "mq/output.hpp"
#include "mq/usage_words.hpp"
#include "mq/version.hpp"

namespace mq {
namespace {

// Thrown while parsing --completion; run_main prints the script and exits 0.
struct CompletionRequest {
  std::string shell;
};

std::string version_text(const std::string& name) {
  int major = 0, minor = 0, revision = 0;
  mosquitto_lib_version(&major, &minor, &revision);
  return fmt::format("{} {} (libmosquitto {}.{}.{})", name, version, major, minor, revision);
}

// Shows "-p,--port INT [1883]" instead of CLI11's validator and exclusion listings, which
// are noise in a tool with forty options; the rules still apply when parsing.
class HelpFormatter : public CLI::Formatter {
public:
  std::string make_option_opts(const CLI::Option* option) const override {
    if (!option->get_option_text().empty()) return " " + option->get_option_text();
    if (option->get_type_size() == 0) return {};
    std::string text = " " + option->get_type_name().substr(0, option->get_type_name().find(':'));
    const std::string& fallback = option->get_default_str();
    if (!fallback.empty() && fallback != "[]") text += " [" + fallback + "]";
    if (option->get_expected_max() > 1) text += " ...";
    return text;
  }
};

// Every usage error ends by pointing at --help, as the issue of the command line asks.
Error with_help_pointer(const Error& failure, const std::string& name) {
  if (failure.fix().find("--help") != std::string::npos) return failure;
  const std::string pointer = fmt::format("'{} --help' lists the options", name);
  return Error{failure.code(), failure.what(), failure.cause(),
               failure.fix().empty() ? pointer : fmt::format("{} ({})", failure.fix(), pointer)};
}

// A wrong option may come from the options file rather than the command line: say so.
Error mentioning_options_file(const Error& failure, const std::filesystem::path& file) {
  return Error{failure.code(), failure.what(), failure.cause(),
               fmt::format("{}{}options were also read from {}", failure.fix(),
                           failure.fix().empty() ? "" : "; ", file.string())};
}

std::string manual_pointer(const std::string& name) {
  return fmt::format("Every option, the exit status and the diagnostics are described in {}(1).", name);
}

}  // namespace

ToolApp::ToolApp(std::string name, std::string description)
    : CLI::App(std::move(description), std::move(name)) {
  set_help_flag("--help", "Print this help and exit");
  set_version_flag("--version", version_text(get_name()), "Print the version and exit");
  footer(manual_pointer(get_name()));
  option_defaults()->always_capture_default();
  // An option given twice takes the last value, so the command line overrides options files.
  option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  formatter(std::make_shared<HelpFormatter>());
  add_option_function<std::string>(
      "--completion", [](const std::string& shell) { throw CompletionRequest{shell}; },
      "Print the shell completion script for bash, zsh or fish and exit")
      ->type_name("SHELL:{bash,zsh,fish}");
  get_formatter()->column_width(32);
}

void ToolApp::accept_options_files() {
  add_option("-o,--options-file", "Read options from FILE, one per line, instead of the defaults file")
      ->type_name("FILE")
      ->group("Options files");
  reads_options_files_ = true;
}

void ToolApp::examples(const std::vector<Example>& list) {
  std::string text = "Examples:\n";
  for (const Example& example : list)
    text += fmt::format("  {}:\n    {}\n", example.purpose, example.command);
  footer(text + "\n" + manual_pointer(get_name()));
}

std::vector<std::string> ToolApp::with_default_subcommand(std::vector<std::string> words) {
  if (default_subcommand_.empty() || words.empty()) return words;  // empty: started without argv[0]
  if (words.size() > 1) {
    const std::string& first = words[1];
    if (first == "--help" || first == "--version" || first.starts_with("--completion")) return words;
    for (const CLI::App* subcommand : get_subcommands({}))
      if (subcommand->check_name(first)) return words;
  }
  words.insert(words.begin() + 1, default_subcommand_);
  return words;
}

void parse_command_line(ToolApp& app, int argc, const char* const* argv) {
  try {
    std::vector<std::string> words = app.with_default_subcommand({argv, argv + argc});
    std::reverse(words.begin(), words.end());  // CLI11 takes them last word first
    if (!words.empty()) words.pop_back();      // without the program name (execve allows none)
    app.parse(words);
  } catch (const CLI::CallForHelp&) {
    throw;
  } catch (const CLI::CallForAllHelp&) {
    throw;
  } catch (const CLI::CallForVersion&) {
    throw;
  } catch (const CLI::ParseError& parse_error) {
    throw usage_error_from(parse_error, app);
  }
}

namespace {

// Parses (with any options file), then runs the body or answers --help, --version and
// --completion; returns the exit code of a success and throws Error for every failure.
Exit parse_and_run(ToolApp& app, int argc, char** argv, const ToolBody& body) {
  try {
    if (!app.reads_options_files()) {
      parse_command_line(app, argc, argv);
      return body();
    }
    std::optional<std::filesystem::path> options_file;
    const std::vector<std::string> words =
        arguments_with_options_file(app.get_name(), argc, argv, options_file);
    std::vector<const char*> arguments;
    for (const std::string& word : words)
      arguments.push_back(word.c_str());
    try {
      parse_command_line(app, static_cast<int>(arguments.size()), arguments.data());
    } catch (const Error& failure) {
      throw options_file ? mentioning_options_file(failure, *options_file) : failure;
    }
    return body();
  } catch (const CompletionRequest& request) {
    write_stdout(completion_script(app, request.shell));
  } catch (const CLI::CallForHelp&) {
    write_stdout(app.help());
  } catch (const CLI::CallForAllHelp&) {
    write_stdout(app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::CallForVersion& version_request) {
    write_stdout(fmt::format("{}\n", version_request.what()));
  } catch (const CLI::ParseError& parse_error) {  // raised by a tool's own late parsing
    throw usage_error_from(parse_error, app);
  }
  return Exit::ok;
}

}  // namespace

int run_main(ToolApp& app, int argc, char** argv, const ToolBody& body) {
  diag::set_program(app.get_name());
  try {
    const Exit code = parse_and_run(app, argc, argv, body);
    check_stdout();  // output that never arrived is a failure, whatever the tool thought
    return exit_status(code);
  } catch (const Error& failure) {
    diag::error(failure.code() == Exit::usage ? with_help_pointer(failure, app.get_name()) : failure);
    return exit_status(failure.code());
  } catch (const std::bad_alloc&) {
    diag::error(Error{Exit::internal, "out of memory"});
  } catch (const std::exception& bug) {
    diag::error(Error{Exit::internal, fmt::format("internal error: {}", bug.what()),
                      "this is a bug in mq, not in your command or your broker",
                      "please report it with the command line and the output of -d"});
  }
  return exit_status(Exit::internal);
}

}  // namespace mq
