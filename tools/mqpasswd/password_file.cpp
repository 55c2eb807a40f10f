#include "password_file.hpp"

#include <fmt/format.h>

#include "mq/error.hpp"
#include "mq/text.hpp"
#include "password_hash.hpp"

namespace mq::password {
namespace {

constexpr std::size_t longest_field = 65535;  // the broker ignores longer user names and hashes

// The broker trims with isspace(), in the "C" locale.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

// Splits content into lines, remembering whether the last one ended with '\n'.
std::vector<Line> split_lines(std::string_view content) {
  std::vector<Line> lines;
  while (!content.empty()) {
    const auto end = content.find('\n');
    const bool newline = end != std::string_view::npos;
    lines.push_back(Line{std::string{content.substr(0, end)}, newline, {}, {}});
    content.remove_prefix(newline ? end + 1 : content.size());
  }
  return lines;
}

// Fills user and secret of an entry line; returns why the line is not one, or "".
std::string read_entry(Line& line) {
  if (line.text.find('\0') != std::string::npos) return "it contains a NUL byte";
  const auto colon = line.text.find(':');
  if (colon == std::string::npos) return "it has no ':' between a user name and a password hash";
  const std::string_view user = trimmed(std::string_view{line.text}.substr(0, colon));
  const std::string_view secret = trimmed(std::string_view{line.text}.substr(colon + 1));
  if (user.empty()) return "it has no user name before ':'";
  if (user.size() > longest_field) return "its user name is longer than 65535 bytes";
  const std::string shown = printable(user);
  if (secret.empty()) return fmt::format("user '{}' has no password hash after ':'", shown);
  if (secret.size() > longest_field)
    return fmt::format("the hash of user '{}' is longer than 65535 bytes", shown);
  if (looks_hashed(secret)) {
    // A plain-text password is everything after the first ':', as in --batch-file lists.
    if (secret.find(':') != std::string_view::npos)
      return fmt::format("the hash of user '{}' contains a second ':'", shown);
    const ParsedHash parsed = parse_hash(secret);
    if (!parsed.hash) return fmt::format("the hash of user '{}' is not valid: {}", shown, parsed.problem);
  }
  line.user = std::string{user};
  line.secret = std::string{secret};
  return {};
}

bool is_blank_line(std::string_view text) { return trimmed(text).empty(); }

Error malformed(std::string_view name, std::size_t number, std::string cause) {
  return Error{
      Exit::file, fmt::format("{} line {} is not a valid password file line", name, number), std::move(cause),
      fmt::format("correct or delete line {} (entries are 'user:hash', comments start with '#')", number)};
}

}  // namespace

SecretType secret_type(std::string_view secret) {
  if (secret.starts_with("$6$")) return SecretType::sha512;
  if (secret.starts_with("$7$")) return SecretType::sha512_pbkdf2;
  return SecretType::plain;
}

std::string_view secret_type_name(SecretType type) {
  switch (type) {
  case SecretType::sha512:
    return "sha512";
  case SecretType::sha512_pbkdf2:
    return "sha512-pbkdf2";
  case SecretType::plain:
    break;
  }
  return "plain";
}

PasswordFile PasswordFile::parse(std::string_view content, std::string_view name) {
  PasswordFile file;
  file.lines_ = split_lines(content);
  for (std::size_t at = 0; at < file.lines_.size(); ++at) {
    Line& line = file.lines_[at];
    if (line.text.starts_with('#') || is_blank_line(line.text)) continue;
    if (std::string problem = read_entry(line); !problem.empty()) throw malformed(name, at + 1, problem);
    const auto [existing, inserted] = file.index_.emplace(line.user, at);
    if (!inserted)
      throw malformed(name, at + 1,
                      fmt::format("user '{}' is already on line {}; the broker would use only one of them",
                                  printable(line.user), existing->second + 1));
  }
  return file;
}

std::string PasswordFile::text() const {
  std::string content;
  for (const Line& line : lines_) {
    content += line.text;
    if (line.newline) content += '\n';
  }
  return content;
}

const Line* PasswordFile::find(std::string_view user) const {
  const auto found = index_.find(std::string{user});
  return found == index_.end() ? nullptr : &lines_[found->second];
}

Change PasswordFile::set(const std::string& user, const std::string& secret) {
  if (const auto found = index_.find(user); found != index_.end()) {
    Line& line = lines_[found->second];
    const bool crlf = line.text.ends_with('\r');  // keep a Windows line end as it was
    line.text = user + ":" + secret + (crlf ? "\r" : "");
    line.secret = secret;
    return Change::updated;
  }
  if (!lines_.empty()) lines_.back().newline = true;
  lines_.push_back(Line{user + ":" + secret, true, user, secret});
  index_.emplace(user, lines_.size() - 1);
  return Change::added;
}

bool PasswordFile::remove(std::string_view user) {
  const auto found = index_.find(std::string{user});
  if (found == index_.end()) return false;
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(found->second));
  reindex();
  return true;
}

void PasswordFile::reindex() {
  index_.clear();
  for (std::size_t at = 0; at < lines_.size(); ++at)
    if (lines_[at].is_entry()) index_.emplace(lines_[at].user, at);
}

std::optional<std::string> username_problem(std::string_view user) {
  if (user.empty()) return "it is empty";
  if (user.size() > longest_field) return "it is longer than 65535 bytes";
  for (std::size_t at = 0; at < user.size();) {
    if (is_control(user[at])) return "it contains a control character";
    const std::size_t length = utf8_sequence_length(user, at);
    if (length == 0) return "it is not valid UTF-8 (MQTT sends user names as UTF-8)";
    at += length;
  }
  if (user.find(':') != std::string_view::npos)
    return "it contains ':', which separates the user name from the hash";
  if (user.front() == '#') return "it starts with '#', which would make the line a comment";
  if (is_blank(user.front()) || is_blank(user.back()))
    return "it starts or ends with a blank, which the broker would remove";
  return std::nullopt;
}

std::optional<std::string> password_problem(std::string_view password) {
  if (password.empty()) return "it is empty";
  if (password.size() > longest_field) return "it is longer than 65535 bytes";
  return std::nullopt;
}

std::vector<Credential> parse_credentials(std::string_view content, std::string_view name) {
  std::vector<Credential> credentials;
  std::unordered_map<std::string, std::size_t> seen;  // user -> line
  const auto refuse = [&](std::size_t number, const std::string& why) {
    return usage_error(fmt::format("{} line {}: {}", name, number, why),
                       "each line of the list is 'user:password'; blank lines and '#' comments are skipped");
  };
  const std::vector<Line> lines = split_lines(content);
  for (std::size_t at = 0; at < lines.size(); ++at) {
    std::string_view text = lines[at].text;
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.starts_with('#') || is_blank_line(text)) continue;
    const std::size_t number = at + 1;
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) throw refuse(number, "it has no ':' between user and password");
    Credential credential{std::string{text.substr(0, colon)}, std::string{text.substr(colon + 1)}, number};
    if (auto problem = username_problem(credential.user))
      throw refuse(
          number, fmt::format("the user name '{}' is not allowed: {}", printable(credential.user), *problem));
    if (auto problem = password_problem(credential.password))
      throw refuse(number,
                   fmt::format("the password of user '{}' is not allowed: {}", credential.user, *problem));
    if (const auto [earlier, inserted] = seen.emplace(credential.user, number); !inserted)
      throw refuse(number, fmt::format("user '{}' is already on line {}", credential.user, earlier->second));
    credentials.push_back(std::move(credential));
  }
  return credentials;
}

}  // namespace mq::password
