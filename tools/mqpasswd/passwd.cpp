#include "passwd.hpp"

namespace mq::passwd {

void add_options(CLI::App&, Options&) {}

Exit run(const Options&) {
  throw Error{Exit::usage, "mqpasswd cannot edit password files yet",
              "this version of mq ships only the command's --help and --version",
              "use mosquitto_passwd until mqpasswd is complete"};
}

}  // namespace mq::passwd
