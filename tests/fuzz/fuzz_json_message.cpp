// Feeds arbitrary --json-lines input to mqpub: to the parser of one line, and on standard input
// to the line source that numbers the lines. Properties: a line parses to a message (QoS 0 to 2)
// or to a usage Error; through the source, line N gives message N, with a valid topic, or a
// usage Error whose text names "--json-lines line N".
#include <fmt/format.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "json_message.hpp"
#include "mq/topic.hpp"
#include "source.hpp"

namespace {

// Standard input reads `input`, then its end. A pipe holds the 4096 bytes run-fuzzer allows.
void feed_standard_input(std::string_view input) {
  int ends[2];
  fuzz::check(pipe(ends) == 0);
  fuzz::check(write(ends[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  close(ends[1]);
  fuzz::check(dup2(ends[0], STDIN_FILENO) == STDIN_FILENO);
  close(ends[0]);
}

void check_message(const std::optional<mq::pub::Outgoing>& message, std::uint64_t line) {
  fuzz::check(message && message->number == line);
  fuzz::check(message->qos >= 0 && message->qos <= 2);
  mq::check_topic_name(message->topic, "the topic");  // a usage Error here escapes: reported
}

void check_refusal(const mq::Error& error, std::uint64_t line) {
  fuzz::check(error.code() == mq::Exit::usage);
  fuzz::check(std::string_view{error.what()}.find(fmt::format("--json-lines line {}:", line)) !=
              std::string_view::npos);
}

void check_line_source(std::string_view input) {
  feed_standard_input(input);
  mq::pub::Options options;
  options.source.stdin_lines = options.source.json_lines = true;
  const auto source = mq::pub::make_source(options, "fallback/topic");
  for (std::uint64_t line = 1; !source->exhausted();) {
    if (source->wants_input()) {
      source->read_input();
      continue;
    }
    try {
      check_message(source->next(), line);
    } catch (const mq::Error& error) {
      check_refusal(error, line);
    }
    ++line;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  std::optional<mq::JsonMessage> message;
  if (fuzz::accepted_or_refused_with(mq::Exit::usage, [&] { message = mq::parse_json_message(input); }))
    fuzz::check(!message->qos || (*message->qos >= 0 && *message->qos <= 2));
  check_line_source(input);
  return 0;
}
