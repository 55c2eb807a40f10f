#include "mq/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

namespace mq {
namespace {

std::atomic<int> received_signal{0};
int pipe_fds[2] = {-1, -1};

extern "C" void on_stop_signal(int signal_number) {
  received_signal.store(signal_number);
  const char byte = 1;
  [[maybe_unused]] const auto written = write(pipe_fds[1], &byte, 1);  // async-signal-safe
}

}  // namespace

void StopSignals::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return;  // stop signals then kill, as default
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed pipe or socket becomes an EPIPE error we can report
  });
}

int StopSignals::received() { return received_signal.load(); }

int StopSignals::fd() { return pipe_fds[0]; }

}  // namespace mq
