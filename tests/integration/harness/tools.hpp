#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/process.hpp"
#include "harness/workspace.hpp"

namespace mq::test {

/// Whether `text` contains `part` (what a tool printed, mostly).
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The path of a built tool (mqpub, mqsub, mqpasswd, mqbench).
std::string tool_path(const std::string& tool);

/// Runs a built tool to completion.
Outcome run_tool(const Workspace& workspace, const std::string& tool,
                 const std::vector<std::string>& arguments, std::optional<std::string> input = std::nullopt,
                 const std::map<std::string, std::string>& environment = {});

/// Starts a built tool in the background.
std::unique_ptr<Process> start_tool(const Workspace& workspace, const std::string& tool,
                                    const std::vector<std::string>& arguments,
                                    std::optional<std::string> input = std::nullopt,
                                    const std::map<std::string, std::string>& environment = {});

/// Starts mqsub with `arguments` (plus -d) and returns once the broker acknowledged the
/// subscription, so that what is published next is sure to reach it.
std::unique_ptr<Process> start_subscriber(const Workspace& workspace,
                                          const std::vector<std::string>& arguments);

}  // namespace mq::test
