#include "mq/usage_words.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "mq/text.hpp"

namespace mq {
namespace {

// The option called `name` in `app` or any of its subcommands (CLI11 names positionals by
// their name and options by their first long or short name).
const CLI::Option* find_option(const CLI::App& app, const std::string& name) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_name() == name || option->check_name(name)) return option;
  }
  for (const CLI::App* subcommand : app.get_subcommands({}))
    if (const CLI::Option* found = find_option(*subcommand, name)) return found;
  return nullptr;
}

// "give -q,--qos INT (Quality of service: 0, 1 or 2)": the option as --help shows it.
std::string described(const CLI::App& app, const std::string& name) {
  const CLI::Option* option = find_option(app, name);
  if (!option) return {};
  const std::string type = option->get_type_name();
  const std::string value =
      option->get_option_text().empty() ? type.substr(0, type.find(':')) : option->get_option_text();
  const bool positional = option->get_lnames().empty() && option->get_snames().empty();
  const std::string names = positional ? std::string{} : option->get_name(false, true);
  const std::string shown = fmt::format("{}{}{}", names, !names.empty() && !value.empty() ? " " : "", value);
  return fmt::format("give {} ({})", shown.empty() ? name : shown, option->get_description());
}

// What a positional argument is called in --help ("FILE..." rather than "files").
std::string shown_name(const CLI::App& app, const std::string& name) {
  const CLI::Option* option = find_option(app, name);
  if (option && option->get_lnames().empty() && option->get_snames().empty() &&
      !option->get_option_text().empty())
    return option->get_option_text();
  return name;
}

Error missing_value(const CLI::App& app, const std::string& name) {
  return usage_error(fmt::format("{} needs a value", name), described(app, name));
}

// The text of `message` between `before` and `after` (both must occur, in that order), or "".
std::string between(const std::string& message, std::string_view before, std::string_view after) {
  const std::size_t start = message.find(before);
  if (start == std::string::npos) return {};
  const std::size_t from = start + before.size();
  const std::size_t to = after.empty() ? message.size() : message.find(after, from);
  return to == std::string::npos ? std::string{} : message.substr(from, to - from);
}

// CLI11 2.1's messages, one by one (see CLI/Error.hpp); nullopt for one we do not know.
std::optional<Error> reworded(const std::string& message, const CLI::App& app) {
  if (message == "A subcommand is required") {
    std::string names;
    for (const CLI::App* subcommand : app.get_subcommands({}))
      names += (names.empty() ? "" : ", ") + subcommand->get_name();
    return usage_error("a subcommand is missing", fmt::format("give one of {}", names));
  }
  if (message.ends_with(" is required")) {
    const std::string name = message.substr(0, message.size() - std::string_view{" is required"}.size());
    return usage_error(fmt::format("{} is missing", shown_name(app, name)), described(app, name));
  }
  if (const std::string name = between(message, "", " requires ");
      !name.empty() && name.find(' ') == std::string::npos) {
    const std::string needed = message.substr(name.size() + std::string_view{" requires "}.size());
    return usage_error(fmt::format("{} needs {}", name, needed), fmt::format("add {}", needed));
  }
  if (const std::string name = between(message, "", " excludes ");
      !name.empty() && name.find(' ') == std::string::npos) {
    const std::string other = message.substr(name.size() + std::string_view{" excludes "}.size());
    return usage_error(fmt::format("{} and {} cannot be used together", name, other),
                       "give only one of them");
  }
  for (const std::string_view lead :
       {"The following argument was not expected: ", "The following arguments were not expected: "}) {
    if (!message.starts_with(lead)) continue;
    const std::string extra = message.substr(lead.size());
    // Several extras come in one message, the last first ("5 --churn" for "--churn 5"): an
    // unknown option among them is what explains the rest.
    for (std::size_t start = 0; start < extra.size();) {
      const std::size_t end = std::min(extra.find(' ', start), extra.size());
      if (extra[start] == '-' && end > start + 1)
        return usage_error(fmt::format("unknown option '{}'", printable(extra.substr(start, end - start))));
      start = end + 1;
    }
    return usage_error(fmt::format("unexpected argument '{}'", printable(extra)));
  }
  if (message.starts_with("Expected ")) {
    if (const std::string name = between(message, " arguments to ", ", got"); !name.empty())
      return missing_value(app, name);
  }
  if (message.ends_with(" missing") && message.find(" required ") != std::string::npos)
    return missing_value(app, message.substr(0, message.find(": ")));
  for (const std::string_view tail : {": too many inputs for a flag", ": Should be true/false or a number"}) {
    if (!message.ends_with(tail)) continue;
    const std::string name = message.substr(0, message.size() - tail.size());
    return usage_error(fmt::format("{} takes no value", name), fmt::format("write {} alone", name));
  }
  if (message.starts_with("Could not convert: ")) {
    const std::string name = between(message, "Could not convert: ", " = ");
    const std::string value = between(message, " = ", "");
    return usage_error(fmt::format("{}: '{}' is not a valid value", name, printable(value)),
                       described(app, name));
  }
  return std::nullopt;
}

}  // namespace

Error usage_error_from(const CLI::ParseError& parse_error, const CLI::App& app) {
  const std::string message = parse_error.what();
  // Our validators and option functions already speak our words ("--qos: '3' is ...").
  if (dynamic_cast<const CLI::ValidationError*>(&parse_error)) return usage_error(message);
  if (std::optional<Error> ours = reworded(message, app)) return *ours;
  return usage_error(fmt::format("the command line is not valid: {}", printable(message)));
}

}  // namespace mq
