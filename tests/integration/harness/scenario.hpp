#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/tools.hpp"

namespace mq::test {

/// How many times a diagnosis scenario runs: once, or three times with MQ_STABILITY=1 in the
/// environment, when every run must print the same thing.
int scenario_runs();

/// Runs a tool `scenario_runs()` times with the same arguments, checks (with doctest) that every
/// run gives the same exit code, stdout and stderr, and returns the first run. The current time,
/// which certificate validity messages print ("it is now ..."), is masked before comparing.
/// With MQ_SCENARIO_TIMES=FILE in the environment, each run's wall time is appended to FILE.
/// With a `resolution`, the tool resolves names as it says (see resolving_as).
Outcome run_scenario(const Workspace& workspace, const std::string& tool,
                     const std::vector<std::string>& arguments,
                     const std::optional<NameResolution>& resolution = std::nullopt);

}  // namespace mq::test
