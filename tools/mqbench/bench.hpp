#pragma once

#include <CLI/CLI.hpp>

#include "mq/error.hpp"

namespace mq::bench {

/// Every option of mqbench (none yet: the tool is being built).
struct Options {};

/// Registers mqbench's options.
void add_options(CLI::App& app, Options& options);

/// Says that load testing is not available yet.
Exit run(const Options& options);

}  // namespace mq::bench
