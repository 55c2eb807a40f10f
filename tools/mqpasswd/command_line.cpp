#include "command_line.hpp"

namespace mq::passwd {

void define_command_line(ToolApp& app, Options& options) {
  add_options(app, options);
  app.examples({
      {"Create a file with one user, asking for the password", "mqpasswd -c /etc/mosquitto/passwd alice"},
      {"Add or update many users in one atomic rewrite",
       "mqpasswd --batch-file new-users.txt /etc/mosquitto/passwd"},
      {"Check a password in CI without printing anything",
       "printf '%s\\n' \"$PASSWORD\" | mqpasswd --check --quiet passwd alice"},
      {"The users as JSON, into jq", "mqpasswd --list --json passwd | jq -r .user"},
  });
}

}  // namespace mq::passwd
