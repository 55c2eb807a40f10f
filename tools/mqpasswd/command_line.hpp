#pragma once

#include "mq/app.hpp"
#include "passwd.hpp"

namespace mq::passwd {

/// What --help starts with: the forms of the command line.
inline constexpr const char* description =
    "Create and edit Mosquitto password files, atomically.\n"
    "  mqpasswd [-H TYPE] [-I ITERATIONS] [-c] FILE USER      ask for the password\n"
    "  mqpasswd [-H TYPE] [-I ITERATIONS] [-c] -b FILE USER PASSWORD\n"
    "  mqpasswd -D FILE USER                                  delete a user\n"
    "  mqpasswd [-H TYPE] [-I ITERATIONS] -U FILE             hash plain-text passwords\n"
    "  mqpasswd --check FILE USER [PASSWORD]                  verify a password\n"
    "  mqpasswd [-H TYPE] [-I ITERATIONS] [-c] --batch-file LIST FILE\n"
    "  mqpasswd --list [--json] FILE";

/// Registers every option of mqpasswd on `app` and the examples of --help.
void define_command_line(ToolApp& app, Options& options);

}  // namespace mq::passwd
