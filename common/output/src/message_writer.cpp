#include "mq/message_writer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mq/json_output.hpp"

namespace mq {

void add_print_options(CLI::App& app, PrintOptions& print, const char* group) {
  auto* verbose =
      app.add_flag("-v,--verbose", print.verbose, "Print the topic before each payload")->group(group);
  auto* no_eol =
      app.add_flag("-N", print.no_end_of_line, "Do not print a newline after each message")->group(group);
  auto* format =
      app.add_option("-F,--format", print.format,
                     "Print each message in this format: %t topic, %p payload, %j JSON... (mqsub(1))")
          ->group(group);
  app.add_flag("--pretty", print.pretty, "Print JSON over several indented lines")->group(group);
  app.add_flag("--json", print.json,
               "Print each message as one line of JSON (payload in base64 if it is not UTF-8)")
      ->excludes(format)
      ->excludes(verbose)
      ->excludes(no_eol)
      ->group(group);
}

MessageWriter::MessageWriter(const PrintOptions& options, std::string broker)
    : style_(options.format    ? Style::format
             : options.json    ? Style::json
             : options.verbose ? Style::verbose
                               : Style::payload),
      end_of_line_(!options.no_end_of_line), pretty_(options.pretty), watch_(options.watch),
      broker_(std::move(broker)) {
  if (options.format) format_.emplace(*options.format, options.pretty);
}

bool MessageWriter::needs_time() const { return style_ == Style::json || (format_ && format_->uses_time()); }

std::string MessageWriter::preamble() const {
  return watch_ ? fmt::format("\033[2J\033[1;1HBroker: {}\n", broker_) : std::string{};
}

int MessageWriter::watch_line(std::string_view topic) {
  const auto [line, added] = watch_lines_.try_emplace(std::string{topic}, next_watch_line_);
  if (added) ++next_watch_line_;
  return line->second;
}

void MessageWriter::write(const Message& message, const timespec& when, std::string& out,
                          std::string& problem, const DecodedPayload* decoded) {
  if (!watch_) {
    write_body(message, when, out, problem, decoded);
    return;
  }
  // Move to the topic's line and clear it, print, then park the cursor below the last line.
  fmt::format_to(std::back_inserter(out), "\033[{};1H\033[2K", watch_line(message.topic));
  write_body(message, when, out, problem, decoded);
  fmt::format_to(std::back_inserter(out), "\033[{};1H\n", next_watch_line_ - 1);
}

void MessageWriter::write_body(const Message& message, const timespec& when, std::string& out,
                               std::string& problem, const DecodedPayload* decoded) {
  const bool shown_decoded = decoded != nullptr && decoded->value != nullptr;
  switch (style_) {
  case Style::payload:
    if (shown_decoded) {  // the decoded value on one line (or --pretty over several)
      append_cjson_layout(out, *decoded->value, pretty_, /*exact_integers=*/true);
      break;
    }
    if (message.payload.empty()) return;  // mosquitto_sub prints nothing for an empty payload
    out += message.payload;
    break;
  case Style::verbose:
    if (message.payload.empty()) {
      if (!end_of_line_) return;
      out += message.topic;
      out += " (null)";
    } else {
      out += message.topic;
      out += ' ';
      if (shown_decoded)
        append_cjson_layout(out, *decoded->value, pretty_, /*exact_integers=*/true);
      else
        out += message.payload;
    }
    break;
  case Style::format:
    format_->render(message, when, out, &problem, decoded);
    break;
  case Style::json:
    append_message_json(out, message, when, JsonPayload::text, pretty_, decoded);
    break;
  }
  if (end_of_line_) out += '\n';
}

}  // namespace mq
