#include "command_line.hpp"

int main(int argc, char** argv) {
  mq::rr::CommandLine command_line;
  mq::ToolApp app{"mqrr", mq::rr::description};
  mq::rr::define_command_line(app, command_line);
  return mq::run_main(app, argc, argv, [&] { return mq::rr::run_command_line(command_line); });
}
