#include "passwd.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <climits>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "mq/diagnostics.hpp"
#include "mq/option_checks.hpp"
#include "mq/output.hpp"
#include "mq/text.hpp"
#include "password_file.hpp"
#include "password_store.hpp"
#include "prompt.hpp"

namespace mq::passwd {
namespace {

using password::PasswordFile;

constexpr std::string_view mosquitto_group = "Like mosquitto_passwd";
constexpr std::string_view beyond_group = "Beyond mosquitto_passwd";

// The usage of each mode, for messages.
std::string_view synopsis(Mode mode, bool batch) {
  switch (mode) {
  case Mode::set:
    return batch ? "mqpasswd [-H TYPE] [-I ITERATIONS] [-c] -b FILE USER PASSWORD"
                 : "mqpasswd [-H TYPE] [-I ITERATIONS] [-c] FILE USER";
  case Mode::remove:
    return "mqpasswd -D FILE USER";
  case Mode::hash:
    return "mqpasswd [-H TYPE] [-I ITERATIONS] -U FILE";
  case Mode::check:
    return "mqpasswd --check FILE USER [PASSWORD]";
  case Mode::batch:
    return "mqpasswd [-H TYPE] [-I ITERATIONS] [-c] --batch-file LIST FILE";
  case Mode::list:
    return "mqpasswd --list [--json] FILE";
  }
  return "mqpasswd FILE USER";
}

// The options that choose a mode, with the spelling used in messages.
std::vector<std::pair<Mode, std::string_view>> chosen_modes(const Options& options) {
  std::vector<std::pair<Mode, std::string_view>> modes;
  if (options.remove) modes.emplace_back(Mode::remove, "-D");
  if (options.update) modes.emplace_back(Mode::hash, "-U");
  if (options.check) modes.emplace_back(Mode::check, "--check");
  if (options.batch_file) modes.emplace_back(Mode::batch, "--batch-file");
  if (options.list) modes.emplace_back(Mode::list, "--list");
  return modes;
}

// CLI11 leaves unknown options to us: often a password or user name starting with '-'.
void check_unexpected(const Options& options) {
  if (options.unexpected.empty()) return;
  throw usage_error(fmt::format("unknown option '{}'", printable(options.unexpected.front())),
                    "a password or user name that starts with '-' goes after '--': "
                    "mqpasswd -b FILE USER -- -PASSWORD");
}

void check_combinations(const Options& options, Mode mode, std::string_view flag) {
  const bool writes_new_hashes = mode == Mode::set || mode == Mode::hash || mode == Mode::batch;
  if (options.create && mode != Mode::set && mode != Mode::batch)
    throw usage_error(fmt::format("-c and {} cannot be used together", flag),
                      "-c creates a file when adding users (FILE USER, -b or --batch-file)");
  if (options.batch && mode != Mode::set)
    throw usage_error(fmt::format("-b and {} cannot be used together", flag),
                      "-b takes one password from the command line when adding a user");
  if (options.hash.given() && !writes_new_hashes)
    throw usage_error(fmt::format("-H and -I cannot be used with {}", flag),
                      "they choose how new passwords are hashed (adding users, -U and --batch-file)");
  if (options.hash.iterations && options.hash.type() == password::HashType::sha512)
    throw usage_error("-I cannot be used with -H sha512",
                      "-I sets the PBKDF2 iterations of -H sha512-pbkdf2; sha512 hashes once");
  if (options.json && mode != Mode::list)
    throw usage_error("--json needs --list", "mqpasswd --list --json FILE");
}

void check_argument_count(const Options& options, Mode mode) {
  const std::size_t count = options.arguments.size();
  std::size_t wanted = 2;
  std::size_t optional = 0;
  if (mode == Mode::set && options.batch) wanted = 3;
  if (mode == Mode::hash || mode == Mode::batch || mode == Mode::list) wanted = 1;
  if (mode == Mode::check) optional = 1;
  if (count >= wanted && count <= wanted + optional) return;
  const std::string usage = fmt::format("usage: {}", synopsis(mode, options.batch));
  if (count == 0) throw usage_error("no password file given", usage);
  if (mode == Mode::set && !options.batch && count == 3)
    throw usage_error("a password on the command line needs -b",
                      "mqpasswd -b FILE USER PASSWORD, or leave PASSWORD out to be asked for it");
  throw usage_error(fmt::format("{} argument{} given where {} expected", count, count == 1 ? "" : "s",
                                optional ? fmt::format("{} or {} are", wanted, wanted + optional)
                                         : fmt::format("{} {}", wanted, wanted == 1 ? "is" : "are")),
                    usage);
}

std::string shown(std::string_view user) { return printable(user); }

void check_username(std::string_view user) {
  if (const auto problem = password::username_problem(user))
    throw usage_error(fmt::format("the user name '{}' cannot be used: {}", shown(user), *problem));
}

void check_password(std::string_view password) {
  if (const auto problem = password::password_problem(password))
    throw usage_error(fmt::format("the password cannot be used: {}", *problem));
}

Error missing_file(const std::string& file) {
  return Error{
      Exit::file, fmt::format("{} does not exist", file), {}, "add -c to create it, or check the path"};
}

Error missing_user(std::string_view user, const std::string& file) {
  return usage_error(fmt::format("user '{}' is not in {}", shown(user), file),
                     fmt::format("'mqpasswd --list {}' shows its users", file));
}

// A file with plain-text passwords works only once they are hashed: the broker ignores them.
void warn_about_plain_passwords(const PasswordFile& content, const std::string& file) {
  std::size_t plain = 0;
  const password::Line* first = nullptr;
  for (const auto& line : content.lines()) {
    if (!line.is_entry() || password::secret_type(line.secret) != password::SecretType::plain) continue;
    if (plain++ == 0) first = &line;
  }
  if (plain == 0) return;
  diag::warning(fmt::format("{} has {} plain-text password{} (user '{}'{}), which the broker ignores; "
                            "'mqpasswd -U {}' hashes them",
                            file, plain, plain == 1 ? "" : "s", shown(first->user), plain == 1 ? "" : ", ...",
                            file));
}

// The current content under the lock: empty for -c, an error when there is no file.
PasswordFile load(const PasswordStore& store, const std::string& file, bool create) {
  if (create) return PasswordFile{};
  if (!store.exists()) throw missing_file(file);
  PasswordFile content = PasswordFile::parse(store.read(), file);
  warn_about_plain_passwords(content, file);
  return content;
}

// Results for the user, on stdout, unless --quiet.
class Report {
public:
  explicit Report(bool quiet) : quiet_(quiet) {}
  void say(std::string_view text) {
    if (quiet_) return;
    out_.append(text);
    out_.append('\n');
  }
  void flush() { out_.flush(); }

private:
  bool quiet_;
  OutputBuffer out_;
};

void report_change(Report& report, password::Change change, std::string_view user) {
  report.say(fmt::format("{} password for user {}", change == password::Change::added ? "Adding" : "Updating",
                         shown(user)));
}

std::string new_secret(std::string_view password, const HashOptions& hash) {
  return password::format_hash(password::hash_password(password, hash.type(), hash.iteration_count()));
}

Exit set_user(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  const std::string& user = options.arguments[1];
  check_username(user);
  if (!check_rewrite(file) && !options.create) throw missing_file(file);  // before asking
  const std::string password = options.batch ? options.arguments[2] : read_new_password();
  check_password(password);
  const std::string secret = new_secret(password, options.hash);
  PasswordStore store{file};
  PasswordFile content = load(store, file, options.create);
  const password::Change change = content.set(user, secret);
  store.replace(content.text());
  report_change(report, change, user);
  return Exit::ok;
}

Exit remove_user(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  const std::string& user = options.arguments[1];
  PasswordStore store{file};
  PasswordFile content = load(store, file, false);
  if (!content.remove(user)) throw missing_user(user, file);
  store.replace(content.text());
  report.say(fmt::format("Deleting user {}", shown(user)));
  return Exit::ok;
}

Exit hash_plain_passwords(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  PasswordStore store{file};
  if (!store.exists()) throw missing_file(file);
  PasswordFile content = PasswordFile::parse(store.read(), file);
  std::vector<std::string> users;
  std::vector<std::string> passwords;
  for (const auto& line : content.lines()) {
    if (!line.is_entry() || password::secret_type(line.secret) != password::SecretType::plain) continue;
    users.push_back(line.user);
    passwords.push_back(line.secret);
  }
  if (users.empty()) {
    report.say(fmt::format("{} has no plain-text passwords: nothing to do", file));
    return Exit::ok;
  }
  const auto hashes =
      password::hash_passwords(passwords, options.hash.type(), options.hash.iteration_count());
  for (std::size_t i = 0; i < users.size(); ++i)
    content.set(users[i], password::format_hash(hashes[i]));
  store.replace(content.text());
  for (const auto& user : users)
    report.say(fmt::format("Hashing password for user {}", shown(user)));
  return Exit::ok;
}

Exit check_user(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  const std::string& user = options.arguments[1];
  const PasswordFile content = PasswordFile::parse(read_password_file(file), file);
  const password::Line* entry = content.find(user);
  if (entry == nullptr) throw missing_user(user, file);
  const std::string given = options.arguments.size() == 3 ? options.arguments[2] : read_password();
  bool match = false;
  if (password::secret_type(entry->secret) == password::SecretType::plain) {
    diag::warning(fmt::format("user '{}' has a plain-text password in {}, which the broker ignores; "
                              "'mqpasswd -U {}' hashes it",
                              shown(user), file, file));
    match = entry->secret == given;
  } else {
    match = password::matches(*password::parse_hash(entry->secret).hash, given);
  }
  if (!match)
    throw Error{Exit::authentication,
                fmt::format("the password given does not match user '{}' in {}", shown(user), file),
                "a broker reading this file would refuse this username and password"};
  report.say(fmt::format("Password for user {} matches", shown(user)));
  return Exit::ok;
}

std::string read_list(const std::string& list) {
  if (list == "-") return std::string{std::istreambuf_iterator<char>{std::cin}, {}};
  std::ifstream in{list, std::ios::binary};
  if (!in || std::filesystem::is_directory(list))
    throw usage_error(fmt::format("cannot read --batch-file {}", list),
                      "give a readable file of 'user:password' lines, or - for standard input");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Exit add_batch(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  const std::string& list = *options.batch_file;
  const auto credentials =
      password::parse_credentials(read_list(list), list == "-" ? "standard input" : list);
  if (credentials.empty())
    throw usage_error(fmt::format("--batch-file {} has no users", list), "give one 'user:password' a line");
  if (!check_rewrite(file) && !options.create) throw missing_file(file);  // before hashing
  std::vector<std::string> passwords;
  passwords.reserve(credentials.size());
  for (const auto& credential : credentials)
    passwords.push_back(credential.password);
  const auto hashes =
      password::hash_passwords(passwords, options.hash.type(), options.hash.iteration_count());
  PasswordStore store{file};
  PasswordFile content = load(store, file, options.create);
  std::vector<password::Change> changes;
  changes.reserve(credentials.size());
  for (std::size_t i = 0; i < credentials.size(); ++i)
    changes.push_back(content.set(credentials[i].user, password::format_hash(hashes[i])));
  store.replace(content.text());
  for (std::size_t i = 0; i < credentials.size(); ++i)
    report_change(report, changes[i], credentials[i].user);
  return Exit::ok;
}

std::string iterations_text(const std::string& secret) {
  const auto parsed = password::parse_hash(secret);
  return parsed.hash && parsed.hash->type == password::HashType::sha512_pbkdf2
             ? std::to_string(parsed.hash->iterations)
             : std::string{"-"};
}

Exit list_users(const Options& options, Report& report) {
  const std::string& file = options.arguments[0];
  const PasswordFile content = PasswordFile::parse(read_password_file(file), file);
  for (std::size_t at = 0; at < content.lines().size(); ++at) {
    const password::Line& line = content.lines()[at];
    if (!line.is_entry()) continue;
    const password::SecretType type = password::secret_type(line.secret);
    if (!options.json) {
      report.say(fmt::format("{}\t{}\t{}", shown(line.user), password::secret_type_name(type),
                             iterations_text(line.secret)));
      continue;
    }
    nlohmann::json record{{"user", line.user}, {"hash", password::secret_type_name(type)}, {"line", at + 1}};
    if (type == password::SecretType::sha512_pbkdf2)
      record["iterations"] = password::parse_hash(line.secret).hash->iterations;
    report.say(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return Exit::ok;
}

}  // namespace

password::HashType HashOptions::type() const {
  return password::hash_type_from_name(type_name.value_or("sha512-pbkdf2"))
      .value_or(password::HashType::sha512_pbkdf2);
}

void add_options(CLI::App& app, Options& options) {
  const std::string compatible{mosquitto_group};
  const std::string beyond{beyond_group};
  app.add_option("ARGUMENTS", options.arguments, "FILE, USER and PASSWORD as the forms above show")
      ->type_name("");
  app.add_flag("-c,--create", options.create, "Create FILE, or replace it with this user only")
      ->group(compatible);
  app.add_flag("-D,--delete", options.remove, "Delete USER from FILE")->group(compatible);
  app.add_flag("-b,--batch", options.batch, "Take PASSWORD from the command line instead of asking")
      ->group(compatible);
  app.add_flag("-U,--update", options.update,
               "Hash FILE's plain-text passwords (hashed ones stay as they are)")
      ->group(compatible);
  app.add_option("-H,--hash", options.hash.type_name,
                 "Hash for new passwords: sha512-pbkdf2 or sha512 [default: sha512-pbkdf2]")
      ->check(one_of({"sha512", "sha512-pbkdf2"}))
      ->option_text("TYPE")
      ->group(compatible);
  app.add_option("-I,--iterations", options.hash.iterations,
                 "PBKDF2 iterations for new passwords [default: 1000]")
      ->check(whole_number(1, INT_MAX))
      ->option_text("ITERATIONS")
      ->group(compatible);
  app.add_flag("--check", options.check,
               "Verify USER's password: exit 0 if it matches, 5 if not, 2 if no USER")
      ->group(beyond);
  app.add_option("--batch-file", options.batch_file,
                 "Add or update the users of LIST ('user:password' lines, - for stdin) in one rewrite")
      ->option_text("LIST")
      ->group(beyond);
  app.add_flag("--list", options.list, "Print FILE's users, hash types and iterations (never the hashes)")
      ->group(beyond);
  app.add_flag("--json", options.json, "With --list: one JSON object per user")->group(beyond);
  app.add_flag("--quiet", options.quiet, "Print nothing but the prompts; errors only set the exit code")
      ->group(beyond);
  // Unknown options reach check_usage(), which can tell a password starting with '-' from a typo.
  app.allow_extras();
  app.final_callback([&app, &options] {
    for (const std::string& argument : app.remaining())
      if (argument != "--") options.unexpected.push_back(argument);  // CLI11 keeps the end-of-options mark
  });
}

Mode check_usage(const Options& options) {
  check_unexpected(options);
  const auto modes = chosen_modes(options);
  if (modes.size() > 1)
    throw usage_error(fmt::format("{} and {} cannot be used together", modes[0].second, modes[1].second),
                      "each run does one thing; run mqpasswd once for each");
  const Mode mode = modes.empty() ? Mode::set : modes.front().first;
  check_combinations(options, mode, modes.empty() ? std::string_view{"FILE USER"} : modes.front().second);
  check_argument_count(options, mode);
  return mode;
}

Exit run(const Options& options) {
  if (options.quiet) diag::set_verbosity(diag::Verbosity::quiet);
  const Mode mode = check_usage(options);
  Report report{options.quiet};
  Exit result = Exit::ok;
  switch (mode) {
  case Mode::set:
    result = set_user(options, report);
    break;
  case Mode::remove:
    result = remove_user(options, report);
    break;
  case Mode::hash:
    result = hash_plain_passwords(options, report);
    break;
  case Mode::check:
    result = check_user(options, report);
    break;
  case Mode::batch:
    result = add_batch(options, report);
    break;
  case Mode::list:
    result = list_users(options, report);
    break;
  }
  report.flush();
  return result;
}

}  // namespace mq::passwd
