#pragma once

#include <CLI/CLI.hpp>

#include "mq/error.hpp"

namespace mq::passwd {

/// Every option of mqpasswd (none yet: the tool is being built).
struct Options {};

/// Registers mqpasswd's options.
void add_options(CLI::App& app, Options& options);

/// Says that password-file editing is not available yet.
Exit run(const Options& options);

}  // namespace mq::passwd
