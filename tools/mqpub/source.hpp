#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mq/properties.hpp"
#include "pub.hpp"

namespace mq::pub {

/// One message ready to publish.
struct Outgoing {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  std::optional<Properties> properties;  // per message (--json-lines); else the -D publish ones
};

/// Where mqpub's messages come from. Sources that read input say so through wants_input(),
/// so the loop reads only when the publisher has room: memory stays bounded.
class MessageSource {
public:
  virtual ~MessageSource() = default;
  /// The next message, or nothing when none is ready yet or the source is exhausted.
  /// Throws a usage Error for malformed input (the position says where).
  virtual std::optional<Outgoing> next() = 0;
  /// Whether every message has been produced.
  virtual bool exhausted() const = 0;
  /// Whether next() needs more input from input_fd() first.
  virtual bool wants_input() const { return false; }
  /// The descriptor read by read_input(), or -1.
  virtual int input_fd() const { return -1; }
  /// Reads what input_fd() has ready (it was reported readable).
  virtual void read_input() {}
  /// How many messages next() produced so far.
  virtual std::uint64_t produced() const = 0;
};

/// The source the options ask for. `topic` is -t (or the -L topic), empty with --json-lines
/// lines that carry their own. Reads -f and -s at once; throws a usage Error if they fail.
std::unique_ptr<MessageSource> make_source(const Options& options, const std::string& topic);

}  // namespace mq::pub
