#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace mq {

/// A shell completion script for `app`, made from its CLI11 definitions: options (long and
/// short), subcommands, file names for FILE/DIR values and the choices of an option whose
/// values are a fixed set. `shell` is bash, zsh or fish; throws a usage Error otherwise.
std::string completion_script(const CLI::App& app, std::string_view shell);

}  // namespace mq
