#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/error.hpp"

// The one message a publishing tool sends from -m, -f, -s or -n (mqpub without -l, mqrr's
// request): registered and read the same way by each, binary safe, and refused before it is
// held when it is larger than a PUBLISH packet can carry.
namespace mq {

/// Where the one message comes from: at most one of these is given.
struct WholeMessageOptions {
  std::optional<std::string> message;  // -m
  std::optional<std::string> file;     // -f: the whole file, binary safe
  bool stdin_file = false;             // -s: all of standard input as one message
  bool null_message = false;           // -n: an empty message
  /// Whether any of them was given.
  bool given() const { return message || file || stdin_file || null_message; }
};
/// Registers -m -f -s -n in --help's group `group`, each excluding the others; returns them, so
/// that a tool's own sources (mqpub's -l) can exclude them too.
std::vector<CLI::Option*> add_whole_message_options(CLI::App& app, WholeMessageOptions& options,
                                                    const char* group);

/// The refusal of a payload of `size` bytes from `source` ("--file 'a.bin'") that is larger than
/// the `limit` of a PUBLISH to `topic`.
Error payload_too_large(std::string_view source, std::string_view size, std::size_t limit,
                        std::string_view topic);

/// A message read whole, and how to name it to the user ("--file 'a.bin'").
struct WholeMessage {
  std::string payload;
  std::string name;
};
/// Reads the message the options give (-n: empty). Throws a usage Error if a file or standard
/// input cannot be read, or if the payload has more than `limit` bytes (see max_payload in
/// packet_size.hpp); a regular file that large is refused before a byte is read. `topic` is
/// where it goes, for the message.
WholeMessage read_whole_message(const WholeMessageOptions& options, std::size_t limit,
                                std::string_view topic);

}  // namespace mq
