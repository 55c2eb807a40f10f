#include "harness/hosts.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "harness/tools.hpp"

namespace mq::test {
namespace {

// `command` in network namespace `name` only. Not `ip -n` or `ip netns exec`: they also make a
// mount namespace and remount /sys, which fails where / is not a mount point (a chroot).
std::vector<std::string> in_namespace(const std::string& name, std::vector<std::string> command) {
  command.insert(command.begin(), {"nsenter", "--net=/run/netns/" + name});
  return command;
}

// `ip ARGUMENTS`, in network namespace `netns` when one is named.
void ip(const Workspace& workspace, std::vector<std::string> arguments, const std::string& netns = {}) {
  arguments.insert(arguments.begin(), "ip");
  const std::string what =
      arguments[0] + " " + arguments[1] + " " + arguments[2] + (netns.empty() ? "" : " in " + netns);
  if (!netns.empty()) arguments = in_namespace(netns, std::move(arguments));
  const Outcome outcome = run(Command{arguments, {}, {}}, workspace.path());
  REQUIRE_MESSAGE(outcome.exit_code == 0, what, " failed: ", outcome.err);
}

// An open descriptor, closed on every way out.
struct Descriptor {
  int fd;
  explicit Descriptor(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    REQUIRE_MESSAGE(fd >= 0, "open ", path, ": ", std::strerror(errno));
  }
  ~Descriptor() { ::close(fd); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
};

}  // namespace

SimulatedHosts::SimulatedHosts(const Workspace& workspace, int hosts)
    : workspace_(workspace), prefix_("mq-" + std::to_string(::getpid()) + "-") {
  require_root("network namespaces for simulated hosts");
  try {
    link_hosts(hosts);
  } catch (...) {
    remove();
    throw;
  }
}

void SimulatedHosts::link_hosts(int hosts) {
  const std::string hub = name(0);
  ip(workspace_, {"netns", "add", hub});
  created_.push_back(hub);
  ip(workspace_, {"link", "set", "lo", "up"}, hub);
  ip(workspace_, {"link", "add", "br0", "type", "bridge"}, hub);
  ip(workspace_, {"addr", "add", hub_address() + "/24", "dev", "br0"}, hub);
  ip(workspace_, {"link", "set", "br0", "up"}, hub);
  for (int host = 1; host <= hosts; ++host) {
    const std::string own = name(host), link = "v" + std::to_string(host);
    ip(workspace_, {"netns", "add", own});
    created_.push_back(own);
    ip(workspace_, {"link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", own}, hub);
    ip(workspace_, {"link", "set", link, "master", "br0", "up"}, hub);
    ip(workspace_, {"addr", "add", address(host) + "/24", "dev", "eth0"}, own);
    ip(workspace_, {"link", "set", "eth0", "up"}, own);
    ip(workspace_, {"link", "set", "lo", "up"}, own);
  }
}

void SimulatedHosts::remove() {
  for (const std::string& each : created_)  // its veth ends go with it
    run(Command{{"ip", "netns", "del", each}, {}, {}}, workspace_.path());
  created_.clear();
}

SimulatedHosts::~SimulatedHosts() { remove(); }

std::string SimulatedHosts::name(int host) const {
  return prefix_ + (host == 0 ? std::string{"hub"} : std::to_string(host));
}

Command SimulatedHosts::inside(int host, Command command) const {
  command.argv = in_namespace(name(host), std::move(command.argv));
  return command;
}

void SimulatedHosts::in_hub(const std::function<void()>& start) const {
  const Descriptor own{"/proc/thread-self/ns/net"};
  const Descriptor hub{"/run/netns/" + name(0)};
  REQUIRE_MESSAGE(::setns(hub.fd, CLONE_NEWNET) == 0, "setns: ", std::strerror(errno));
  try {
    start();
  } catch (...) {
    ::setns(own.fd, CLONE_NEWNET);
    throw;
  }
  REQUIRE_MESSAGE(::setns(own.fd, CLONE_NEWNET) == 0, "setns back: ", std::strerror(errno));
}

}  // namespace mq::test
