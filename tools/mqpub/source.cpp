#include "source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <mqtt_protocol.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "json_message.hpp"
#include "mq/error.hpp"
#include "mq/message_encoding.hpp"
#include "mq/message_input.hpp"
#include "mq/packet_size.hpp"
#include "mq/text.hpp"
#include "mq/topic.hpp"

namespace mq::pub {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

// The most payload a PUBLISH to `topic` can carry with the options' QoS, protocol and properties
// (-D publish, and --encode's content type).
std::size_t max_payload(const Options& options, const std::string& topic) {
  const Properties properties = publish_properties(options);
  return mq::max_payload(PublishShape{topic.size(), 0, options.message.qos,
                                      options.client.connection.protocol.value_or(ProtocolVersion::v5),
                                      properties.get()});
}

// -m, -f, -s or -n: one payload, published --repeat times without a copy.
class RepeatedMessage : public MessageSource {
public:
  RepeatedMessage(Outgoing message, int count, std::string name)
      : message_(std::move(message)), count_(count), name_(std::move(name)) {}

  std::optional<Outgoing> next() override {
    if (exhausted()) return std::nullopt;
    Outgoing message = message_;  // shares the payload
    message.number = ++produced_;
    return message;
  }
  bool exhausted() const override { return produced_ >= static_cast<std::uint64_t>(count_); }
  std::uint64_t produced() const override { return produced_; }
  std::string describe(std::uint64_t number) const override {
    if (count_ == 1) return name_;
    return fmt::format("{} (repeat {} of {})", name_, number, count_);
  }

private:
  Outgoing message_;
  int count_;
  std::string name_;
  std::uint64_t produced_ = 0;
};

// -l: one message per line of standard input; with --json-lines each line describes one.
// Each byte is searched for the newline once, and a long line is handed over without a copy,
// so reading costs time and memory in proportion to the input. A line too long for MQTT is
// skipped without being held and handed over as a refusal.
class LineSource : public MessageSource {
public:
  LineSource(const Options& options, std::string topic)
      : options_(options), topic_(std::move(topic)),
        line_limit_(options.source.json_lines ? json_line_limit : max_payload(options, topic_)) {}

  std::optional<Outgoing> next() override {
    if (skipped_line_) {
      Outgoing refused = plain({});
      refused.number = ++produced_;
      refused.skipped_size = *skipped_line_;
      skipped_line_.reset();
      return refused;
    }
    std::optional<std::string> line = take_line();
    if (!line) return std::nullopt;
    ++produced_;
    Outgoing message = options_.source.json_lines ? from_json(*line) : plain(std::move(*line));
    message.number = produced_;
    return message;
  }
  bool exhausted() const override {
    return at_end_ && !skipping_ && !skipped_line_ && consumed_ == buffer_.size();
  }
  bool wants_input() const override {
    return !at_end_ && !skipped_line_ && (skipping_ || line_end_ == std::string::npos);
  }
  int input_fd() const override { return 0; }
  std::uint64_t produced() const override { return produced_; }
  std::string describe(std::uint64_t number) const override { return fmt::format("line {}", number); }

  void read_input() override {
    compact();
    // A long line: make room for the longest one at once. Pages are used only as they are
    // filled, and the line is never copied to a larger buffer again (which needs both at once).
    if (buffer_.size() >= long_line && buffer_.capacity() < line_limit_ + read_chunk)
      buffer_.reserve(line_limit_ + read_chunk);
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + read_chunk);
    const ssize_t n = ::read(input_fd(), buffer_.data() + old_size, read_chunk);
    buffer_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return;
      throw usage_error(fmt::format("cannot read standard input: {}", std::strerror(errno)));
    }
    if (n == 0) at_end_ = true;
    if (skipping_) return skip();
    find_line_end();
    if (line_end_ == std::string::npos && buffer_.size() - consumed_ > line_limit_) start_skipping();
  }

private:
  // A --json-lines line may carry the largest payload in base64, with its JSON around it.
  static constexpr std::size_t json_line_limit = mqtt_max_remaining_length / 3 * 4 + 64 * 1024;
  static constexpr std::size_t long_line = 1024 * 1024;

  // Drops the lines handed out, so the buffer holds only the line being read.
  void compact() {
    if (consumed_ == 0) return;
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    if (line_end_ != std::string::npos) line_end_ -= consumed_;
    consumed_ = 0;
  }

  // Looks for the end of the line at consumed_ in the bytes not searched yet.
  void find_line_end() {
    if (line_end_ != std::string::npos || scanned_ >= buffer_.size()) return;
    const std::size_t found = buffer_.find('\n', scanned_);
    scanned_ = found == std::string::npos ? buffer_.size() : found;
    line_end_ = found;
  }

  // A complete line without its newline; at the end of input, the last line even without one.
  std::optional<std::string> take_line() {
    find_line_end();
    const std::size_t end = line_end_;
    if (end == std::string::npos && !(at_end_ && consumed_ < buffer_.size())) return std::nullopt;
    const std::size_t stop = end == std::string::npos ? buffer_.size() : end;
    const std::size_t resume = end == std::string::npos ? buffer_.size() : end + 1;
    std::string line;
    if (consumed_ == 0 && stop >= read_chunk && stop >= buffer_.size() / 2) {
      // A long line: hand over the buffer itself, keep the (shorter) rest.
      std::string rest = buffer_.substr(resume);
      buffer_.resize(stop);
      line = std::move(buffer_);
      buffer_ = std::move(rest);
      consumed_ = 0;
    } else {
      line = buffer_.substr(consumed_, stop - consumed_);
      consumed_ = resume;
    }
    line_end_ = std::string::npos;
    scanned_ = consumed_;
    find_line_end();
    return line;
  }

  // The line being read is longer than MQTT allows: drop what was read of it, and the rest of
  // it as it comes.
  void start_skipping() {
    skipped_ = buffer_.size() - consumed_;
    buffer_.resize(consumed_);
    buffer_.shrink_to_fit();
    scanned_ = consumed_;
    skipping_ = true;
    if (at_end_) finish_skipping();
  }

  void skip() {
    const std::size_t newline = buffer_.find('\n');
    if (newline == std::string::npos) {
      skipped_ += buffer_.size();
      buffer_.clear();
      if (at_end_) finish_skipping();
      return;
    }
    skipped_ += newline;
    buffer_.erase(0, newline + 1);
    finish_skipping();
  }

  void finish_skipping() {
    skipping_ = false;
    skipped_line_ = skipped_;
    consumed_ = 0;
    scanned_ = 0;
    line_end_ = std::string::npos;
    find_line_end();
  }

  Outgoing plain(std::string line) const {
    Outgoing message{topic_,
                     Payload{std::move(line)},
                     options_.message.qos,
                     options_.message.retain,
                     std::nullopt,
                     0,
                     std::nullopt,
                     {}};
    if (options_.message.encode) encode(message);
    return message;
  }

  // --encode: the payload, JSON text, converted; or, when it cannot be, why (not_encoded).
  void encode(Outgoing& message) const {
    EncodeResult encoded = encode_json_text(*options_.message.encode, message.payload.view());
    if (encoded.bytes)
      message.payload = Payload{std::move(*encoded.bytes)};
    else
      message.not_encoded =
          fmt::format("not published as {}: {}", format_name(*options_.message.encode), encoded.error);
  }

  Outgoing from_json(const std::string& line) const {
    const std::string where = fmt::format("--json-lines line {}", produced_);
    JsonMessage message;
    try {
      message = parse_json_message(line, options_.message.encode.has_value());
    } catch (const Error& malformed) {
      throw usage_error(fmt::format("{}: {}", where, malformed.what()),
                        "write one JSON object per line, e.g. {\"topic\": \"a/b\", \"payload\": \"text\"}");
    }
    if (message.topic) check_topic_name(*message.topic, fmt::format("{}: \"topic\"", where));
    const std::string topic = message.topic.value_or(topic_);
    if (topic.empty())
      throw usage_error(fmt::format("{}: no \"topic\", and no -t to fall back to", where),
                        "add \"topic\" to the line or -t TOPIC to the command");
    if (options_.message.encode && message.properties)
      add_content_type(*message.properties, *options_.message.encode);
    Outgoing outgoing{topic,
                      Payload{std::move(message.payload)},
                      message.qos.value_or(options_.message.qos),
                      message.retain.value_or(options_.message.retain),
                      std::move(message.properties),
                      0,
                      std::nullopt,
                      {}};
    if (options_.message.encode) encode(outgoing);
    return outgoing;
  }

  const Options& options_;
  std::string topic_;
  std::size_t line_limit_;
  std::string buffer_;
  std::size_t consumed_ = 0;                  // where the next line starts
  std::size_t scanned_ = 0;                   // searched for its end up to here
  std::size_t line_end_ = std::string::npos;  // its newline, once found
  bool at_end_ = false;
  bool skipping_ = false;                    // inside a line longer than MQTT allows
  std::size_t skipped_ = 0;                  // its length so far
  std::optional<std::size_t> skipped_line_;  // a whole such line, to hand over as a refusal
  std::uint64_t produced_ = 0;
};

}  // namespace

Properties publish_properties(const Options& options) {
  Properties properties = options.message.properties;
  if (options.message.encode) add_content_type(properties, *options.message.encode);
  return properties;
}

std::unique_ptr<MessageSource> make_source(const Options& options, const std::string& topic) {
  const SourceOptions& source = options.source;
  if (source.stdin_lines) return std::make_unique<LineSource>(options, topic);
  WholeMessage whole =
      read_encoded_message(source, options.message.encode, max_payload(options, topic), topic);
  Outgoing message{topic,
                   Payload{std::make_shared<const std::string>(std::move(whole.payload))},
                   options.message.qos,
                   options.message.retain,
                   std::nullopt,
                   0,
                   std::nullopt,
                   {}};
  return std::make_unique<RepeatedMessage>(std::move(message), options.pacing.repeat, std::move(whole.name));
}

}  // namespace mq::pub
