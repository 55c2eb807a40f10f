#include "command_job.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace mq::rr {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t kept_error_bytes = 4096;                 // of standard error: enough for its first line
constexpr auto cancel_check = std::chrono::milliseconds(100);  // how soon a cancel is noticed

// A pipe whose ends close themselves.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    read = ends[0];
    write = ends[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

std::vector<char*> pointers(std::vector<std::string>& words) {
  std::vector<char*> list;
  for (std::string& word : words)
    list.push_back(word.data());
  list.push_back(nullptr);
  return list;
}

// mqrr's environment with the job's variables added (replacing any of the same name).
std::vector<std::string> environment_for(const JobInput& job) {
  std::vector<std::string> all;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text{*entry};
    const std::string_view name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const std::string& added : job.environment)
      if (std::string_view{added}.substr(0, added.find('=')) == name) replaced = true;
    if (!replaced) all.emplace_back(text);
  }
  all.insert(all.end(), job.environment.begin(), job.environment.end());
  return all;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Feeds the child's standard input and drains its output and error until both are at their end,
// killing its process group when it runs too long, says too much or is cancelled.
class Conversation {
public:
  Conversation(const JobInput& job, pid_t child, Pipe& input, Pipe& output, Pipe& error,
               const std::atomic<bool>& cancel)
      : job_(job), child_(child), exit_(static_cast<int>(::syscall(SYS_pidfd_open, child, 0))), input_(input),
        output_(output), error_(error), cancel_(cancel) {
    if (job.timeout) deadline_ = Clock::now() + *job.timeout;
    if (job.input.empty()) input_.close_write();
    for (int fd : {input_.write, output_.read, error_.read})
      if (fd >= 0) set_nonblocking(fd);
  }

  ~Conversation() {
    if (exit_ >= 0) ::close(exit_);
  }
  Conversation(const Conversation&) = delete;
  Conversation& operator=(const Conversation&) = delete;

  // Until the command has exited and its output and error are at their end: one that closes
  // them and goes on running is still under --job-timeout.
  void run(JobOutcome& outcome) {
    while (output_.read >= 0 || error_.read >= 0 || exit_ >= 0) {
      std::array<pollfd, 4> watched{pollfd{input_.write, POLLOUT, 0}, pollfd{output_.read, POLLIN, 0},
                                    pollfd{error_.read, POLLIN, 0}, pollfd{exit_, POLLIN, 0}};
      ::poll(watched.data(), watched.size(), static_cast<int>(cancel_check.count()));
      if (watched[3].revents != 0) {
        ::close(exit_);  // exited: waitpid collects its status
        exit_ = -1;
      }
      if (watched[0].revents != 0) feed();
      if (watched[1].revents != 0) drain(output_, outcome.output, job_.output_limit, "output");
      if (watched[2].revents != 0) drain(error_, errors_, kept_error_bytes, nullptr);
      check_limits();
    }
    input_.close_write();
  }

  const std::string& errors() const { return errors_; }
  const std::string& kill_reason() const { return kill_reason_; }

private:
  void feed() {
    const std::string& input = job_.input;
    const ssize_t n = ::write(input_.write, input.data() + fed_, input.size() - fed_);
    if (n > 0) fed_ += static_cast<std::size_t>(n);
    // A command that does not read all of its input (EPIPE) is not an error of ours.
    if (fed_ == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) input_.close_write();
  }

  void drain(Pipe& pipe, std::string& into, std::size_t limit, const char* what) {
    char chunk[read_chunk];
    const ssize_t n = ::read(pipe.read, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      pipe.close_read();
      return;
    }
    const std::size_t room = limit > into.size() ? limit - into.size() : 0;
    into.append(chunk, std::min(room, static_cast<std::size_t>(n)));
    if (static_cast<std::size_t>(n) > room && what != nullptr)
      kill(fmt::format("its {} was larger than the {} bytes a response can carry", what, limit));
  }

  void check_limits() {
    if (cancel_.load()) kill("mqrr was interrupted");
    if (deadline_ && Clock::now() >= *deadline_)
      kill(fmt::format("it ran longer than --job-timeout ({} s)",
                       std::chrono::duration<double>(*job_.timeout).count()));
  }

  void kill(std::string reason) {
    if (!kill_reason_.empty()) return;
    kill_reason_ = std::move(reason);
    ::kill(-child_, SIGKILL);  // the command and whatever it started
    deadline_.reset();
  }

  const JobInput& job_;
  pid_t child_;
  int exit_;  // a pidfd, readable once the command exited; -1 after (or without pidfd support)
  Pipe& input_;
  Pipe& output_;
  Pipe& error_;
  const std::atomic<bool>& cancel_;
  std::optional<Clock::time_point> deadline_;
  std::size_t fed_ = 0;
  std::string errors_;
  std::string kill_reason_;
};

int wait_for(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

JobOutcome spawn_and_converse(const JobInput& job, const std::atomic<bool>& cancel) {
  JobOutcome outcome;
  Pipe input, output, error;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, error.write, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that a kill reaches what it started; default signal handling,
  // since mqrr ignores SIGPIPE and catches SIGINT and SIGTERM.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP})
    sigaddset(&defaults, signal_number);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> arguments = job.command;
  std::vector<std::string> environment = environment_for(job);
  pid_t child = -1;
  const int spawned = posix_spawnp(&child, arguments.front().c_str(), &actions, &attributes,
                                   pointers(arguments).data(), pointers(environment).data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    outcome.exit_code = 127;
    outcome.error_line = fmt::format("cannot run '{}': {}", job.command.front(), std::strerror(spawned));
    return outcome;
  }
  input.close_read();
  output.close_write();
  error.close_write();

  Conversation conversation{job, child, input, output, error, cancel};
  conversation.run(outcome);
  outcome.exit_code = wait_for(child);
  if (!conversation.kill_reason().empty()) {
    outcome.error_line = fmt::format("killed: {}", conversation.kill_reason());
    if (outcome.exit_code == 0) outcome.exit_code = 128 + SIGKILL;
  } else if (outcome.exit_code != 0) {
    outcome.error_line = first_line(conversation.errors());
  }
  return outcome;
}

}  // namespace

JobOutcome run_command(const JobInput& job, const std::atomic<bool>& cancel) {
  try {
    return spawn_and_converse(job, cancel);
  } catch (const std::exception& failure) {  // no pipe (too many open files), no memory: this job fails
    JobOutcome outcome;
    outcome.exit_code = 127;
    outcome.error_line = fmt::format("cannot run '{}': {}", job.command.front(), failure.what());
    return outcome;
  }
}

bool program_exists(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream directories{path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin"};
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    const std::string candidate = (directory.empty() ? "." : directory) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace mq::rr
