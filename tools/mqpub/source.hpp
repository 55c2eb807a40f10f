#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mq/properties.hpp"
#include "pub.hpp"

namespace mq::pub {

/// The bytes of one message: its own (a line), or shared by every repeat of one message
/// (-m, -f, -s), so that --repeat never copies a payload.
class Payload {
public:
  Payload() = default;
  explicit Payload(std::string bytes) : own_(std::move(bytes)) {}
  explicit Payload(std::shared_ptr<const std::string> shared) : shared_(std::move(shared)) {}

  std::string_view view() const { return shared_ ? std::string_view{*shared_} : std::string_view{own_}; }
  std::size_t size() const { return view().size(); }

private:
  std::string own_;
  std::shared_ptr<const std::string> shared_;
};

/// One message ready to publish.
struct Outgoing {
  std::string topic;
  Payload payload;
  int qos = 0;
  bool retain = false;
  std::optional<Properties> properties;  // per message (--json-lines); else the -D publish ones
  std::uint64_t number = 0;              // 1 for the source's first message
  /// A line longer than MQTT allows: its length. It was skipped, never held in memory.
  std::optional<std::size_t> skipped_size;
  /// A line --encode could not convert: why. It is not published.
  std::string not_encoded;
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
  /// Names message `number` for the user: "line 3", "--file 'a.bin'", "the -m message (repeat 2 of 5)".
  virtual std::string describe(std::uint64_t number) const = 0;
};

/// The -D publish properties, and with --encode the content type of its format unless they
/// have one (MQTT v5 only sends them).
Properties publish_properties(const Options& options);

/// The source the options ask for. `topic` is -t (or the -L topic), empty with --json-lines
/// lines that carry their own. Reads -f and -s at once, refusing a payload larger than MQTT
/// allows before reading it (-f) or as soon as it is (-s); throws a usage Error if they fail.
std::unique_ptr<MessageSource> make_source(const Options& options, const std::string& topic);

}  // namespace mq::pub
