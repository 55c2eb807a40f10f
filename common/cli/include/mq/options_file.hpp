#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

/// The words of an options file: one option per line, written as on the command line
/// ("-h broker.example", "-D publish content-type 'text/plain'"); blank lines and lines
/// starting with '#' are skipped. Words split at spaces; quotes group, backslash escapes.
/// Throws a usage Error naming `option` and the path if the file cannot be read, or a line
/// number with an unbalanced quote.
std::vector<std::string> read_options_file(const std::filesystem::path& path, std::string_view option);

/// The per-user defaults file of a tool, $XDG_CONFIG_HOME/mq/<tool> (else ~/.config/mq/<tool>),
/// if it exists.
std::optional<std::filesystem::path> defaults_file(std::string_view tool);

/// The arguments to parse: the words of the options file (-o FILE, else the defaults file)
/// before the command line's, so that the command line wins. `source` is set to the file used.
std::vector<std::string> arguments_with_options_file(std::string_view tool, int argc, const char* const* argv,
                                                     std::optional<std::filesystem::path>& source);

}  // namespace mq
