#include <sys/socket.h>

#include <cerrno>

#include "command_line.hpp"

// libmosquitto opens a socket pair per client to wake its own threaded loop, which mqbench never
// runs: that would be three descriptors per connection instead of one, and a third of the
// connections the open-file limit allows. Refusing it makes libmosquitto go without (it logs a
// debug warning) and saves a write per publish too. Only this executable refuses it.
extern "C" int socketpair(int, int, int, int*) noexcept {
  errno = EMFILE;
  return -1;
}

int main(int argc, char** argv) {
  mq::bench::Options options;
  mq::ToolApp app{"mqbench", mq::bench::description};
  mq::bench::define_command_line(app, options);
  return mq::run_main(app, argc, argv, [&] { return mq::bench::run_command_line(options); });
}
