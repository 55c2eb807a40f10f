#include "harness/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "harness/workspace.hpp"

extern char** environ;

namespace mq::test {
namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text{*entry};
    const auto equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : extra)
    variables[name] = value;
  std::vector<std::string> result;
  for (const auto& [name, value] : variables)
    result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings)
    pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::atomic<int> process_counter{0};

}  // namespace

Process::Process(const Command& command, const std::filesystem::path& output_dir) {
  const int number = process_counter++;
  const std::string stem =
      std::filesystem::path(command.argv.at(0)).filename().string() + "-" + std::to_string(number);
  stdout_path_ = output_dir / (stem + ".out");
  stderr_path_ = output_dir / (stem + ".err");
  std::filesystem::path input_path = "/dev/null";
  if (command.input) {
    input_path = output_dir / (stem + ".in");
    Workspace::write_file(input_path, *command.input);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> arguments = command.argv;
  std::vector<std::string> environment = merged_environment(command.environment);
  auto argv = c_strings(arguments);
  auto envp = c_strings(environment);
  const int rc = posix_spawnp(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) throw std::runtime_error("cannot start " + command.argv[0] + ": " + std::strerror(rc));
}

Process::~Process() {
  if (!exit_code_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

void Process::signal(int signal_number) const {
  if (pid_ > 0) kill(pid_, signal_number);
}

bool Process::running() { return !wait_for_exit(0ms).has_value(); }

std::optional<int> Process::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = decode_status(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(2ms);
  }
  return exit_code_;
}

Outcome Process::finish() {
  if (!wait_for_exit(60s)) {
    kill(pid_, SIGKILL);
    wait_for_exit(10s);
    throw std::runtime_error("the program did not finish within a minute; stderr: " + err());
  }
  return Outcome{*exit_code_, out(), err()};
}

bool Process::wait_for_text(const std::filesystem::path& file, const std::string& text,
                            std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (read_file(file).find(text) != std::string::npos) return true;
    int status = 0;
    if (exit_code_ || std::chrono::steady_clock::now() >= deadline) return false;
    if (waitpid(pid_, &status, WNOHANG | WNOWAIT) == pid_) {  // exited: one last look
      return read_file(file).find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(5ms);
  }
}

bool Process::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_for_text(stderr_path_, text, timeout);
}

bool Process::wait_for_stdout(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_for_text(stdout_path_, text, timeout);
}

std::string Process::out() const { return read_file(stdout_path_); }
std::string Process::err() const { return read_file(stderr_path_); }

Outcome run(const Command& command, const std::filesystem::path& output_dir) {
  Process process{command, output_dir};
  return process.finish();
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(int port, const std::string& address) {
  sockaddr_storage peer{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&peer);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&peer);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v6;
  } else {
    throw std::runtime_error("not a numeric address: " + address);
  }
  const int fd = ::socket(peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&peer), length) == 0;
  close(fd);
  return connected;
}

}  // namespace mq::test
