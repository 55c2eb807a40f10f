#include "harness/scenario.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string_view>

namespace mq::test {
namespace {

// "it is now 2026-11-25 18:21:51 UTC" -> "it is now <time>".
std::string without_current_time(std::string text) {
  static const std::string now = "it is now ";
  static constexpr std::size_t time_length = std::string_view{"2026-11-25 18:21:51 UTC"}.size();
  for (std::size_t at = text.find(now); at != std::string::npos; at = text.find(now, at + now.size()))
    text.replace(at + now.size(), std::min(time_length, text.size() - at - now.size()), "<time>");
  return text;
}

void record_time(const std::string& tool, const std::vector<std::string>& arguments, double seconds) {
  const char* file = std::getenv("MQ_SCENARIO_TIMES");
  if (file == nullptr) return;
  std::string command = tool;
  for (const std::string& argument : arguments)
    command += " " + argument;
  std::ofstream{file, std::ios::app} << seconds << " s\t" << command << "\n";
}

}  // namespace

int scenario_runs() {
  const char* stability = std::getenv("MQ_STABILITY");
  return stability != nullptr && std::string_view{stability} == "1" ? 3 : 1;
}

Outcome run_scenario(const Workspace& workspace, const std::string& tool,
                     const std::vector<std::string>& arguments,
                     const std::optional<NameResolution>& resolution) {
  const int runs = scenario_runs();
  std::vector<Outcome> outcomes;
  for (int run = 0; run < runs; ++run) {
    const auto started = std::chrono::steady_clock::now();
    outcomes.push_back(resolution ? run_tool_resolving(workspace, *resolution, tool, arguments)
                                  : run_tool(workspace, tool, arguments));
    record_time(tool, arguments,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  for (int run = 1; run < runs; ++run) {
    CAPTURE(run);
    CHECK(outcomes[static_cast<std::size_t>(run)].exit_code == outcomes.front().exit_code);
    CHECK(outcomes[static_cast<std::size_t>(run)].out == outcomes.front().out);
    CHECK(without_current_time(outcomes[static_cast<std::size_t>(run)].err) ==
          without_current_time(outcomes.front().err));
  }
  return outcomes.front();
}

}  // namespace mq::test
