#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/error.hpp"
#include "password_hash.hpp"

namespace mq::passwd {

/// What a run of mqpasswd does.
enum class Mode {
  set,     // add or update one user (mqpasswd [-c] [-b] FILE USER [PASSWORD])
  remove,  // -D FILE USER
  hash,    // -U FILE: hash the plain-text passwords
  check,   // --check FILE USER [PASSWORD]
  batch,   // --batch-file LIST FILE
  list,    // --list FILE
};

/// How new hashes are made: -H and -I.
struct HashOptions {
  std::optional<std::string> type_name;  // -H: sha512-pbkdf2 (the default) or sha512
  std::optional<int> iterations;         // -I: PBKDF2 iterations (default 1000)

  bool given() const { return type_name || iterations; }
  password::HashType type() const;
  int iteration_count() const { return iterations.value_or(password::default_iterations); }
};

/// Every option of mqpasswd: mosquitto_passwd's, then ours.
struct Options {
  std::vector<std::string> arguments;   // FILE USER [PASSWORD], FILE, ...
  std::vector<std::string> unexpected;  // what CLI11 did not recognise (a password starting with '-')
  HashOptions hash;
  bool create = false;                    // -c
  bool remove = false;                    // -D
  bool batch = false;                     // -b: the password is on the command line
  bool update = false;                    // -U
  bool check = false;                     // --check
  bool list = false;                      // --list
  bool json = false;                      // --json (with --list)
  bool quiet = false;                     // --quiet
  std::optional<std::string> batch_file;  // --batch-file LIST
};

/// Registers mqpasswd's options and its positional arguments.
void add_options(CLI::App& app, Options& options);

/// Decides the mode from the options and checks that the combination and the number of
/// arguments fit it; throws a usage Error saying what is wrong and what the usage is.
Mode check_usage(const Options& options);

/// Runs mqpasswd; throws Error for every failure.
Exit run(const Options& options);

}  // namespace mq::passwd
