#include "harness/tools.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "support/mounts.hpp"

namespace mq::test {
namespace {

Command tool_command(const std::string& tool, const std::vector<std::string>& arguments,
                     std::optional<std::string> input,
                     const std::map<std::string, std::string>& environment) {
  Command command{{tool_path(tool)}, std::move(input), environment};
  command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
  return command;
}

// The unshare command that makes a mount namespace whose bind mounts nobody else sees. unshare
// makes every mount private in it, which needs "/" to be a mount point: in a chroot (as
// fresh-debian runs the tests) it is not, and there, with no shared mount to propagate to,
// leaving the propagation unchanged is as private.
std::vector<std::string> private_mount_namespace() {
  static const bool root_is_mount_point =
      run(Command{{"unshare", "--mount", "true"}, {}, {}}, std::filesystem::temp_directory_path())
          .exit_code == 0;
  if (root_is_mount_point) return {"unshare", "--mount"};
  if (any_shared_mount())
    throw std::runtime_error("cannot make a private mount namespace: '/' is not a mount point (a chroot?) "
                             "and some mounts are shared");
  return {"unshare", "--mount", "--propagation", "unchanged"};
}

}  // namespace

std::string tool_path(const std::string& tool) { return std::string{MQ_TOOLS_DIR} + "/" + tool; }

Outcome run_tool(const Workspace& workspace, const std::string& tool,
                 const std::vector<std::string>& arguments, std::optional<std::string> input,
                 const std::map<std::string, std::string>& environment) {
  return run(tool_command(tool, arguments, std::move(input), environment), workspace.path());
}

std::unique_ptr<Process> start_tool(const Workspace& workspace, const std::string& tool,
                                    const std::vector<std::string>& arguments,
                                    std::optional<std::string> input,
                                    const std::map<std::string, std::string>& environment) {
  return std::make_unique<Process>(tool_command(tool, arguments, std::move(input), environment),
                                   workspace.path());
}

Outcome run_tool_writing_to(const Workspace& workspace, const std::string& path, const std::string& tool,
                            const std::vector<std::string>& arguments) {
  Command command = tool_command(tool, arguments, std::nullopt, {});
  command.argv.insert(command.argv.begin(), {"sh", "-c", "exec \"$@\" > \"$0\"", path});
  return run(command, workspace.path());
}

MeasuredOutcome run_tool_measuring_memory(const Workspace& workspace, const std::string& tool,
                                          const std::vector<std::string>& arguments,
                                          std::optional<std::string> input,
                                          const std::map<std::string, std::string>& environment) {
  const std::filesystem::path report = workspace / "peak-memory";
  Command command = tool_command(tool, arguments, std::move(input), environment);
  command.argv.insert(command.argv.begin(), {"/usr/bin/time", "-f", "%M", "-o", report.string()});
  MeasuredOutcome measured{run(command, workspace.path())};
  // The last line: before it, time says "Command exited with non-zero status N" when it did.
  const std::string lines = read_file(report);
  if (lines.empty())
    throw std::runtime_error("/usr/bin/time wrote no peak memory (scripts/setup installs time)");
  measured.peak_memory_kib = std::stol(lines.substr(lines.rfind('\n', lines.size() - 2) + 1));
  return measured;
}

Command resolving_as(const Workspace& workspace, const NameResolution& resolution, Command command) {
  std::vector<std::pair<std::string, std::string>> mounts{
      {workspace.write("hosts", resolution.hosts, 0644).string(), "/etc/hosts"},
      {workspace.write("nsswitch.conf", "hosts: files\n", 0644).string(), "/etc/nsswitch.conf"}};
  if (!resolution.gai_conf.empty())
    mounts.emplace_back(workspace.write("gai.conf", resolution.gai_conf, 0644).string(), "/etc/gai.conf");
  std::string script;
  for (const auto& [file, over] : mounts)
    script += "mount --bind '" + file + "' " + over + " && ";
  script += "exec \"$@\"";
  std::vector<std::string> wrapped = private_mount_namespace();
  wrapped.insert(wrapped.end(), {"sh", "-c", script, "sh"});
  command.argv.insert(command.argv.begin(), wrapped.begin(), wrapped.end());
  return command;
}

Outcome run_tool_resolving(const Workspace& workspace, const NameResolution& resolution,
                           const std::string& tool, const std::vector<std::string>& arguments,
                           std::optional<std::string> input) {
  return run(resolving_as(workspace, resolution, tool_command(tool, arguments, std::move(input), {})),
             workspace.path());
}

void require_root(const std::string& what) {
  REQUIRE_MESSAGE(::geteuid() == 0, what, " needs root (CI runs the tests as root)");
}

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

}  // namespace

bool wait_for_stderr_count(Process& process, const std::string& text, std::size_t times) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    if (occurrences(process.err(), text) >= times) return true;
    if (!process.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::unique_ptr<Process> start_subscriber(const Workspace& workspace,
                                          const std::vector<std::string>& arguments) {
  std::vector<std::string> with_trace = arguments;
  with_trace.push_back("-d");
  auto subscriber = start_tool(workspace, "mqsub", with_trace);
  if (!subscriber->wait_for_stderr("debug: subscribed to"))
    throw std::runtime_error("mqsub did not subscribe: " + subscriber->err());
  return subscriber;
}

}  // namespace mq::test
