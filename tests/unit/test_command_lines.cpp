// Every numeric option of every tool, found in the tools' own option definitions, refuses
// non-finite, fractional (where a count is due) and out-of-range values as usage errors in our
// words; and no CLI11 phrase reaches a user for the usual mistakes.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../tools/mqbench/command_line.hpp"
#include "../../tools/mqpasswd/command_line.hpp"
#include "../../tools/mqpub/command_line.hpp"
#include "../../tools/mqsub/command_line.hpp"
#include "mq/app.hpp"
#include "mq/error.hpp"
#include "mq/option_checks.hpp"

namespace {

// One tool's command line, built as its main() builds it.
struct Tool {
  std::string name;
  std::function<std::unique_ptr<mq::ToolApp>()> make;
};

template <typename Options, typename Define>
std::function<std::unique_ptr<mq::ToolApp>()> maker(std::string name, Define define) {
  return [name, define] {
    static Options options;  // outlives the app; values do not matter here
    options = Options{};
    auto app = std::make_unique<mq::ToolApp>(name, "test");
    define(*app, options);
    return app;
  };
}

std::vector<Tool> tools() {
  return {{"mqpub", maker<mq::pub::CommandLine>("mqpub", mq::pub::define_command_line)},
          {"mqsub", maker<mq::sub::CommandLine>("mqsub", mq::sub::define_command_line)},
          {"mqpasswd", maker<mq::passwd::Options>("mqpasswd", mq::passwd::define_command_line)},
          {"mqbench", maker<mq::bench::Options>("mqbench", mq::bench::define_command_line)}};
}

// An option to try: the words that lead to it (a subcommand) and its longest name.
struct NumericOption {
  std::vector<std::string> prefix;
  std::string name;
};

bool has_number_check(CLI::Option* option) {
  try {
    return option->get_validator(mq::number_check_name) != nullptr;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

std::string longest_name(const CLI::Option* option) {
  if (!option->get_lnames().empty()) return "--" + option->get_lnames().front();
  return "-" + option->get_snames().front();
}

// CLI11's names for the types of numeric values: an option with one of them must be checked.
bool numeric_type(const CLI::Option* option) {
  const std::string type = option->get_type_name().substr(0, option->get_type_name().find(':'));
  return type == "INT" || type == "UINT" || type == "FLOAT" || type == "NUMBER";
}

void collect(CLI::App& app, const std::vector<std::string>& prefix, std::vector<NumericOption>& found,
             std::vector<std::string>& unchecked) {
  for (CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty() && option->get_snames().empty()) continue;  // positional
    if (has_number_check(option))
      found.push_back({prefix, longest_name(option)});
    else if (numeric_type(option))
      unchecked.push_back(fmt::format("{} {}", fmt::join(prefix, " "), longest_name(option)));
  }
  for (CLI::App* subcommand : app.get_subcommands({})) {
    std::vector<std::string> deeper = prefix;
    deeper.push_back(subcommand->get_name());
    collect(*subcommand, deeper, found, unchecked);
  }
}

// The tool's command line, built once per tool and parsed again and again: CLI11 clears what the
// last parse found (App::clear), and building a command line costs more than parsing one (under
// ASan, the sweeps below took 30 s building a fresh one for each of their 1,700 parses).
mq::ToolApp& command_line_of(const Tool& tool) {
  static std::map<std::string, std::unique_ptr<mq::ToolApp>> built;
  std::unique_ptr<mq::ToolApp>& app = built[tool.name];
  if (!app) app = tool.make();
  app->clear();
  return *app;
}

// The usage error for `arguments`, or "accepted".
std::string outcome(const Tool& tool, std::vector<std::string> arguments) {
  mq::ToolApp& app = command_line_of(tool);
  arguments.insert(arguments.begin(), tool.name);
  std::vector<const char*> argv;
  for (const std::string& word : arguments)
    argv.push_back(word.c_str());
  try {
    mq::parse_command_line(app, static_cast<int>(argv.size()), argv.data());
  } catch (const mq::Error& failure) {
    if (failure.code() != mq::Exit::usage) return fmt::format("exit {}", mq::exit_status(failure.code()));
    return failure.what();
  }
  return "accepted";
}

// Phrases of CLI11's own messages that must never reach a user.
const char* const library_phrases[] = {"FAILED",       "is required",      "excludes",
                                       "requires",     "not expected",     "Could not convert",
                                       "not in range", "Expected exactly", "Expected at least",
                                       "required INT", "allowed value",    "Value "};

void check_our_words(const std::string& message) {
  for (const char* phrase : library_phrases) {
    CAPTURE(phrase);
    CHECK(message.find(phrase) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("every numeric option carries the one numeric validator") {
  for (const Tool& tool : tools()) {
    CAPTURE(tool.name);
    std::vector<NumericOption> found;
    std::vector<std::string> unchecked;
    collect(*tool.make(), {}, found, unchecked);
    CHECK(unchecked == std::vector<std::string>{});
    CHECK_FALSE(found.empty());
  }
}

TEST_CASE("every numeric option refuses non-finite, malformed and out-of-range values") {
  const std::vector<std::string> hostile{"nan",
                                         "-nan",
                                         "NaN",
                                         "inf",
                                         "-inf",
                                         "infinity",
                                         "1e999",
                                         "-1e999",
                                         "99999999999999999999",
                                         "-99999999999999999999",
                                         "",
                                         "abc",
                                         "1x",
                                         "0x"};
  int tried = 0;
  for (const Tool& tool : tools()) {
    std::vector<NumericOption> found;
    std::vector<std::string> unchecked;
    collect(*tool.make(), {}, found, unchecked);
    for (const NumericOption& option : found) {
      for (const std::string& value : hostile) {
        std::vector<std::string> arguments = option.prefix;
        arguments.push_back(option.name);
        arguments.push_back(value);
        const std::string message = outcome(tool, arguments);
        CAPTURE(tool.name);
        CAPTURE(arguments);
        CHECK(message.starts_with(option.name + ": "));
        CHECK(message.find("give") != std::string::npos);  // says what is accepted
        check_our_words(message);
        ++tried;
      }
    }
  }
  CHECK(tried > 400);
}

TEST_CASE("every numeric option refuses the value just outside its range and takes its bounds") {
  for (const Tool& tool : tools()) {
    std::vector<NumericOption> found;
    std::vector<std::string> unchecked;
    collect(*tool.make(), {}, found, unchecked);
    for (const NumericOption& option : found) {
      std::vector<std::string> arguments = option.prefix;
      arguments.push_back(option.name);
      arguments.push_back("1e999");
      // "... give a number from 0.001 to 1000000000": the range, as the option defines it.
      const std::string message = outcome(tool, arguments);
      const std::size_t from = message.rfind(" from ");
      const std::size_t to = message.rfind(" to ");
      REQUIRE(from != std::string::npos);
      const std::string low = message.substr(from + 6, to - from - 6);
      const std::string high = message.substr(to + 4);
      const bool whole = message.find("whole number") != std::string::npos;
      const auto shifted = [&](const std::string& bound, double step) {
        return whole ? std::to_string(std::stoll(bound) + static_cast<long long>(step))
                     : fmt::format("{}", std::stod(bound) +
                                             step * std::max(1e-3, std::abs(std::stod(bound)) * 1e-3));
      };
      CAPTURE(tool.name);
      CAPTURE(option.name);
      for (const std::string& outside : {shifted(low, -1), shifted(high, 1)}) {
        arguments.back() = outside;
        CAPTURE(outside);
        CHECK(outcome(tool, arguments).find("out of range") != std::string::npos);
      }
      if (whole) {
        arguments.back() = "1.5";
        CHECK(outcome(tool, arguments).find("is not a whole number") != std::string::npos);
      }
    }
  }
}

TEST_CASE("the usual mistakes are told in our words, for every tool") {
  for (const Tool& tool : tools()) {
    CAPTURE(tool.name);
    for (const std::vector<std::string>& arguments : std::vector<std::vector<std::string>>{
             {"--bogus"}, {"--qos"}, {"-p"}, {"--quiet=maybe"}, {"stray", "words"}}) {
      CAPTURE(arguments);
      const std::string message = outcome(tool, arguments);
      check_our_words(message);
    }
  }
  check_our_words(outcome(tools()[3], {"report"}));
  check_our_words(outcome(tools()[3], {"--pattern", "bogus"}));
  check_our_words(outcome(tools()[0], {"--cert", "c.pem"}));
  check_our_words(outcome(tools()[0], {"-i", "a", "-I", "b"}));
}
