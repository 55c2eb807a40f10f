#include "mq/options_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "mq/error.hpp"

namespace mq {
namespace {

// Splits one line like a POSIX shell would, without expansions.
std::vector<std::string> split_words(const std::string& line, const std::filesystem::path& path, int number) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size())
        word += line[++i];
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0)
    throw usage_error(
        fmt::format("options file '{}', line {}: the quote {} is not closed", path.string(), number, quote),
        "close the quote, or escape it with a backslash");
  if (in_word) words.push_back(std::move(word));
  return words;
}

// The value of -o/--options-file on the command line, if given.
std::optional<std::string> options_file_argument(int argc, const char* const* argv) {
  std::optional<std::string> path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if ((word == "-o" || word == "--options-file") && i + 1 < argc)
      path = argv[++i];
    else if (word.starts_with("--options-file="))
      path = std::string{word.substr(15)};
  }
  return path;
}

}  // namespace

std::vector<std::string> read_options_file(const std::filesystem::path& path, std::string_view option) {
  std::ifstream file{path};
  if (!file || std::filesystem::is_directory(path))
    throw usage_error(
        fmt::format("{} '{}' cannot be read: {}", option, path.string(),
                    std::filesystem::is_directory(path) ? "it is a directory" : std::strerror(errno)),
        "give a readable file with one option per line");
  std::vector<std::string> words;
  int number = 0;
  for (std::string line; std::getline(file, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    for (std::string& word : split_words(line, path, number))
      words.push_back(std::move(word));
  }
  return words;
}

std::optional<std::filesystem::path> defaults_file(std::string_view tool) {
  std::filesystem::path directory;
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config)
    directory = config;
  else if (const char* home = std::getenv("HOME"); home && *home)
    directory = std::filesystem::path{home} / ".config";
  else
    return std::nullopt;
  const std::filesystem::path path = directory / "mq" / std::string{tool};
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) return std::nullopt;
  return path;
}

std::vector<std::string> arguments_with_options_file(std::string_view tool, int argc, const char* const* argv,
                                                     std::optional<std::filesystem::path>& source) {
  std::vector<std::string> arguments{argc > 0 ? argv[0] : std::string{tool}};
  std::vector<std::string> from_file;
  if (const auto given = options_file_argument(argc, argv)) {
    source = *given;
    from_file = read_options_file(*given, "--options-file");
  } else if (const auto defaults = defaults_file(tool)) {
    source = *defaults;
    from_file = read_options_file(*defaults, "the defaults file");
  }
  arguments.insert(arguments.end(), from_file.begin(), from_file.end());
  arguments.insert(arguments.end(), argv + std::min(argc, 1), argv + argc);
  return arguments;
}

}  // namespace mq
