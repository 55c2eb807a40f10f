#include "mq/app.hpp"
#include "passwd.hpp"

int main(int argc, char** argv) {
  mq::passwd::Options options;
  mq::ToolApp app{"mqpasswd", "Create and edit Mosquitto password files.\n"
                              "NOT YET IMPLEMENTED: this version only prints --help and --version."};
  mq::passwd::add_options(app, options);
  return mq::run_main(app, argc, argv, [&] { return mq::passwd::run(options); });
}
