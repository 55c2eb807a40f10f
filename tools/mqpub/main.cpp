#include "command_line.hpp"

int main(int argc, char** argv) {
  mq::pub::CommandLine command_line;
  mq::ToolApp app{"mqpub", mq::pub::description};
  mq::pub::define_command_line(app, command_line);
  return mq::run_main(app, argc, argv, [&] { return mq::pub::run_command_line(command_line); });
}
