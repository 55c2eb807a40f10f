#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <unordered_map>

#include "mq/cli_forward.hpp"
#include "mq/format.hpp"
#include "mq/message.hpp"

// How the tools that print received messages (mqsub, mqrr) print them: mosquitto_sub's and
// mosquitto_rr's output options, byte for byte, and --json.
namespace mq {

/// How each received message is printed.
struct PrintOptions {
  bool verbose = false;               // -v: "topic payload"
  bool no_end_of_line = false;        // -N
  std::optional<std::string> format;  // -F
  bool pretty = false;                // --pretty: JSON over several lines
  bool json = false;                  // --json: one JSON object per message
  bool watch = false;                 // -w (mqsub): one terminal line per topic
};
/// Registers -v -N -F --pretty --json in --help's group `group`, --json excluding the others.
void add_print_options(CLI::App& app, PrintOptions& print, const char* group);

/// Turns each message to print into bytes, as the output options ask: the payload, "topic
/// payload" (-v), a -F format or a JSON object (--json), each followed by a newline unless -N;
/// with -w, on the terminal line that belongs to its topic. Byte for byte as mosquitto_sub 2.1
/// prints, except that -w also clears the line it rewrites.
class MessageWriter {
public:
  /// `broker` names the broker in the -w screen header. Throws a usage Error for a bad -F.
  MessageWriter(const PrintOptions& options, std::string broker);

  /// What is written once, before any message (the -w screen header), or nothing.
  std::string preamble() const;
  /// Appends `message`, received at `when` (read only if needs_time()). A problem with this
  /// message (a %f payload that is not a float) is described in `problem`. A `decoded` payload
  /// (--decode) is printed as JSON in place of the payload; -F's %p still prints the bytes.
  void write(const Message& message, const timespec& when, std::string& out, std::string& problem,
             const DecodedPayload* decoded = nullptr);
  /// Whether write() reads the time of arrival.
  bool needs_time() const;

private:
  enum class Style { payload, verbose, format, json };

  void write_body(const Message& message, const timespec& when, std::string& out, std::string& problem,
                  const DecodedPayload* decoded);
  int watch_line(std::string_view topic);

  Style style_;
  bool end_of_line_;
  bool pretty_;
  bool watch_;
  std::string broker_;
  std::optional<OutputFormat> format_;
  std::unordered_map<std::string, int> watch_lines_;
  int next_watch_line_ = 2;  // line 1 holds the header
};

}  // namespace mq
