#include "harness/terminal.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace mq::test {

Terminal::Terminal(const std::vector<std::string>& argv, const std::filesystem::path& directory) {
  std::vector<char*> arguments;
  std::vector<std::string> copies = argv;
  for (auto& argument : copies)
    arguments.push_back(argument.data());
  arguments.push_back(nullptr);
  pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
  if (pid_ < 0) throw std::runtime_error("forkpty failed");
  if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
    if (::chdir(directory.c_str()) != 0) ::_exit(126);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(arguments[0], arguments.data());
    ::_exit(127);
  }
}

Terminal::~Terminal() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (master_ >= 0) ::close(master_);
}

// Reads what is available within `timeout`; false once the terminal is closed (EIO on Linux).
bool Terminal::read_some(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  pollfd descriptor{master_, POLLIN, 0};
  const int ready = ::poll(&descriptor, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return ready == 0 || errno == EINTR;
  char buffer[4096];
  const ssize_t n = ::read(master_, buffer, sizeof buffer);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  screen_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

bool Terminal::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto found = screen_.find(text, consumed_);
    if (found != std::string::npos) {
      consumed_ = found + text.size();
      return true;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(left)) return false;
  }
}

void Terminal::type(const std::string& keys) {
  if (::write(master_, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size()))
    throw std::runtime_error("cannot type on the pseudo-terminal");
}

int Terminal::finish() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read_some(std::chrono::milliseconds(100)) || !closed_) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the program did not end: " + screen_);
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

bool Terminal::echoes() const {
  termios settings{};
  if (::tcgetattr(master_, &settings) != 0) throw std::runtime_error("cannot read the terminal's settings");
  return (settings.c_lflag & ECHO) != 0;
}

}  // namespace mq::test
