#include "command_line.hpp"

int main(int argc, char** argv) {
  mq::sub::CommandLine command_line;
  mq::ToolApp app{"mqsub", mq::sub::description};
  mq::sub::define_command_line(app, command_line);
  return mq::run_main(app, argc, argv, [&] { return mq::sub::run_command_line(command_line); });
}
