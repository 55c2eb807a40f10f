#include "harness/scenario.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace mq::test {
namespace {

std::string without_current_time(const std::string& text) {
  static const std::regex now{"it is now [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC"};
  return std::regex_replace(text, now, "it is now <time>");
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

Outcome run_scenario(const Workspace& workspace, const std::string& tool,
                     const std::vector<std::string>& arguments,
                     const std::map<std::string, std::string>& environment) {
  std::vector<Outcome> outcomes;
  for (int run = 0; run < scenario_runs; ++run) {
    const auto started = std::chrono::steady_clock::now();
    outcomes.push_back(run_tool(workspace, tool, arguments, std::nullopt, environment));
    record_time(tool, arguments,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  for (int run = 1; run < scenario_runs; ++run) {
    CAPTURE(run);
    CHECK(outcomes[static_cast<std::size_t>(run)].exit_code == outcomes.front().exit_code);
    CHECK(outcomes[static_cast<std::size_t>(run)].out == outcomes.front().out);
    CHECK(without_current_time(outcomes[static_cast<std::size_t>(run)].err) ==
          without_current_time(outcomes.front().err));
  }
  return outcomes.front();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mq::test
