#include "prompt.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "mq/error.hpp"

namespace mq::passwd {
namespace {

constexpr std::size_t longest_line = 65536;  // a password is shorter than 65536 bytes

// The terminal settings to put back if a signal ends the program while echo is off.
struct termios saved_terminal;
constexpr int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_reraise(int signal_number) {
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Echo off for the lifetime of the object, whatever ends it.
class EchoOff {
public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0) return;
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
      ::sigaction(restoring_signals[i], &action, &previous_[i]);
    struct termios quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
      ::sigaction(restoring_signals[i], &previous_[i], nullptr);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

private:
  struct sigaction previous_[std::size(restoring_signals)]{};
  bool active_ = false;
};

void write_prompt(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One line of standard input without its "\n" (or "\r\n"); nothing at the end of input.
// Byte by byte, so that nothing after the line is consumed.
std::optional<std::string> read_line() {
  std::string line;
  for (;;) {
    char byte = 0;
    const ssize_t n = ::read(STDIN_FILENO, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (line.empty()) return std::nullopt;
      break;
    }
    if (byte == '\n') break;
    if (line.size() == longest_line)
      throw usage_error("the password is longer than 65535 bytes", "give a shorter password");
    line += byte;
  }
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

std::string ask(std::string_view prompt, bool terminal, std::string_view missing) {
  std::optional<std::string> answer;
  if (terminal) {
    {
      const EchoOff echo_off;  // before the prompt, so that nothing typed after it is echoed
      write_prompt(prompt);
      answer = read_line();
    }
    write_prompt("\n");  // the Enter that was not echoed
  } else {
    answer = read_line();
  }
  if (!answer)
    throw usage_error(
        fmt::format("no password: standard input ended before {}", missing),
        "type it at the terminal, pipe it in (twice, on two lines, for a new password), or use -b");
  if (answer->empty())
    throw usage_error("the password is empty", "give a password of at least one character");
  return *answer;
}

}  // namespace

std::string read_new_password() {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  std::string password = ask("Password: ", terminal, "the password");
  if (ask("Reenter password: ", terminal, "the password was repeated") != password)
    throw usage_error("the two passwords do not match", "type the same password twice");
  return password;
}

std::string read_password() { return ask("Password: ", ::isatty(STDIN_FILENO) == 1, "the password"); }

}  // namespace mq::passwd
