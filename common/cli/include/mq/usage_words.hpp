#pragma once

#include <CLI/CLI.hpp>

#include "mq/error.hpp"

namespace mq {

/// A usage Error in our words for a CLI11 parse error of `app`'s command line: what was wrong,
/// which option, and what it accepts; CLI11's own phrases never reach users.
Error usage_error_from(const CLI::ParseError& parse_error, const CLI::App& app);

}  // namespace mq
