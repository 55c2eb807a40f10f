#include "command_line.hpp"

int main(int argc, char** argv) {
  mq::passwd::Options options;
  mq::ToolApp app{"mqpasswd", mq::passwd::description};
  mq::passwd::define_command_line(app, options);
  return mq::run_main(app, argc, argv, [&] { return mq::passwd::run(options); });
}
