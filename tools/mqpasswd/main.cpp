#include "mq/app.hpp"
#include "passwd.hpp"

int main(int argc, char** argv) {
  mq::passwd::Options options;
  mq::ToolApp app{"mqpasswd",
                  "Create and edit Mosquitto password files, atomically.\n"
                  "  mqpasswd [-H TYPE] [-I ITER] [-c] FILE USER            ask for the password\n"
                  "  mqpasswd [-H TYPE] [-I ITER] [-c] -b FILE USER PASSWORD\n"
                  "  mqpasswd -D FILE USER                                  delete a user\n"
                  "  mqpasswd [-H TYPE] [-I ITER] -U FILE                   hash plain-text passwords\n"
                  "  mqpasswd --check FILE USER [PASSWORD]                  verify a password\n"
                  "  mqpasswd [-H TYPE] [-I ITER] [-c] --batch-file LIST FILE\n"
                  "  mqpasswd --list [--json] FILE"};
  mq::passwd::add_options(app, options);
  app.examples({
      {"Create a file with one user, asking for the password", "mqpasswd -c /etc/mosquitto/passwd alice"},
      {"Add or update many users in one atomic rewrite",
       "mqpasswd --batch-file new-users.txt /etc/mosquitto/passwd"},
      {"Check a password in CI without printing anything",
       "printf '%s\\n' \"$PASSWORD\" | mqpasswd --check --quiet passwd alice"},
      {"The users as JSON, into jq", "mqpasswd --list --json passwd | jq -r .user"},
  });
  return mq::run_main(app, argc, argv, [&] { return mq::passwd::run(options); });
}
