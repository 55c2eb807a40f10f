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

/// Runs a built tool with its standard output going to `path` (e.g. /dev/full) instead.
Outcome run_tool_writing_to(const Workspace& workspace, const std::string& path, const std::string& tool,
                            const std::vector<std::string>& arguments);

/// What a tool did, and the most memory it held resident.
struct MeasuredOutcome {
  Outcome outcome;
  long peak_memory_kib = 0;
};

/// Runs a built tool under /usr/bin/time for its peak resident memory. (A child the test
/// process spawns directly would report the test's own high-water mark, which the kernel
/// carries across the exec; time's child is a fork of a small process.)
MeasuredOutcome run_tool_measuring_memory(const Workspace& workspace, const std::string& tool,
                                          const std::vector<std::string>& arguments,
                                          std::optional<std::string> input = std::nullopt,
                                          const std::map<std::string, std::string>& environment = {});

/// What a machine's name resolution says: its /etc/hosts and, when not empty, its /etc/gai.conf.
struct NameResolution {
  std::string hosts;
  std::string gai_conf;
};
/// localhost as every Debian install and container has it: ::1 and 127.0.0.1, ::1 tried first.
inline const NameResolution ipv6_first_localhost{"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n", ""};
/// The same names, but IPv4 preferred (gai.conf precedence), as some administrators set it.
inline const NameResolution ipv4_first_localhost{"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n",
                                                 "precedence ::ffff:0:0/96 100\nprecedence ::1/128 50\n"};

/// `command` made to run as on a machine that resolves names as `resolution` says and asks no
/// DNS server: in a private mount namespace with its own /etc/hosts, /etc/gai.conf when given,
/// and an /etc/nsswitch.conf of "hosts: files", so neither this machine's files nor its network
/// decide. Needs root (CI runs as root).
Command resolving_as(const Workspace& workspace, const NameResolution& resolution, Command command);

/// Runs a built tool resolving names as `resolution` says (see resolving_as).
Outcome run_tool_resolving(const Workspace& workspace, const NameResolution& resolution,
                           const std::string& tool, const std::vector<std::string>& arguments,
                           std::optional<std::string> input = std::nullopt);

/// Fails the test unless it runs as root, as CI does: `what` needs root, and a test that cannot
/// check its claim must not pass without checking it.
void require_root(const std::string& what);

/// Waits (at most 30 s) until `text` was written to stderr `times` times (a second
/// subscription, ...); false when the program exits first or time runs out.
bool wait_for_stderr_count(Process& process, const std::string& text, std::size_t times);

/// Starts mqsub with `arguments` (plus -d) and returns once the broker acknowledged the
/// subscription, so that what is published next is sure to reach it.
std::unique_ptr<Process> start_subscriber(const Workspace& workspace,
                                          const std::vector<std::string>& arguments);

}  // namespace mq::test
