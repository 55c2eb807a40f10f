#include "source.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mq/error.hpp"
#include "mq/json_message.hpp"
#include "mq/text.hpp"
#include "mq/topic.hpp"

namespace mq::pub {
namespace {

constexpr std::size_t max_payload = 268435455;  // the MQTT limit of a packet's remaining length
constexpr std::size_t read_chunk = 64 * 1024;

Error payload_too_large(std::string_view source) {
  return usage_error(fmt::format("{} is larger than MQTT allows ({} bytes)", source, max_payload),
                     "send a smaller payload");
}

std::string read_whole_file(const std::string& path) {
  std::ifstream file{path, std::ios::binary};
  if (!file || std::filesystem::is_directory(path))
    throw usage_error(
        fmt::format("--file '{}' cannot be read: {}", path,
                    std::filesystem::is_directory(path) ? "it is a directory" : std::strerror(errno)),
        "give a readable file");
  std::ostringstream content;
  content << file.rdbuf();
  if (content.str().size() > max_payload) throw payload_too_large(fmt::format("--file '{}'", path));
  return std::move(content).str();
}

std::string read_all_input() {
  std::string content;
  char buffer[read_chunk];
  for (;;) {
    const ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw usage_error(fmt::format("cannot read standard input: {}", std::strerror(errno)));
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > max_payload) throw payload_too_large("standard input");
  }
  return content;
}

// -m, -f, -s or -n: one payload, published --repeat times.
class RepeatedMessage : public MessageSource {
public:
  RepeatedMessage(Outgoing message, int count) : message_(std::move(message)), count_(count) {}

  std::optional<Outgoing> next() override {
    if (exhausted()) return std::nullopt;
    ++produced_;
    return message_;
  }
  bool exhausted() const override { return produced_ >= static_cast<std::uint64_t>(count_); }
  std::uint64_t produced() const override { return produced_; }

private:
  Outgoing message_;
  int count_;
  std::uint64_t produced_ = 0;
};

// -l: one message per line of standard input; with --json-lines each line describes one.
class LineSource : public MessageSource {
public:
  LineSource(const Options& options, std::string topic) : options_(options), topic_(std::move(topic)) {}

  std::optional<Outgoing> next() override {
    std::optional<std::string> line = take_line();
    if (!line) return std::nullopt;
    ++produced_;
    return options_.source.json_lines ? from_json(*line) : plain(std::move(*line));
  }
  bool exhausted() const override { return at_end_ && consumed_ == buffer_.size(); }
  bool wants_input() const override { return !at_end_ && buffer_.find('\n', consumed_) == std::string::npos; }
  int input_fd() const override { return 0; }
  std::uint64_t produced() const override { return produced_; }

  void read_input() override {
    if (consumed_ > 0) {  // keep the buffer small: drop what was handed out
      buffer_.erase(0, consumed_);
      consumed_ = 0;
    }
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + read_chunk);
    const ssize_t n = ::read(input_fd(), buffer_.data() + old_size, read_chunk);
    buffer_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n == 0) at_end_ = true;
    if (n < 0 && errno != EINTR && errno != EAGAIN)
      throw usage_error(fmt::format("cannot read standard input: {}", std::strerror(errno)));
    if (buffer_.size() - consumed_ > max_payload)
      throw payload_too_large(fmt::format("line {}", produced_ + 1));
  }

private:
  // A complete line without its newline; at the end of input, the last line even without one.
  std::optional<std::string> take_line() {
    const std::size_t newline = buffer_.find('\n', consumed_);
    if (newline == std::string::npos && !(at_end_ && consumed_ < buffer_.size())) return std::nullopt;
    const std::size_t end = newline == std::string::npos ? buffer_.size() : newline;
    std::string line = buffer_.substr(consumed_, end - consumed_);
    consumed_ = newline == std::string::npos ? buffer_.size() : newline + 1;
    return line;
  }

  Outgoing plain(std::string line) const {
    return Outgoing{topic_, std::move(line), options_.message.qos, options_.message.retain, std::nullopt};
  }

  Outgoing from_json(const std::string& line) const {
    const std::string where = fmt::format("--json-lines line {}", produced_);
    JsonMessage message;
    try {
      message = parse_json_message(line);
    } catch (const Error& malformed) {
      throw usage_error(fmt::format("{}: {}", where, malformed.what()),
                        "write one JSON object per line, e.g. {\"topic\": \"a/b\", \"payload\": \"text\"}");
    }
    const std::string topic = message.topic.value_or(topic_);
    if (topic.empty())
      throw usage_error(fmt::format("{}: no \"topic\", and no -t to fall back to", where),
                        "add \"topic\" to the line or -t TOPIC to the command");
    check_topic_name(topic, fmt::format("{}: \"topic\"", where));
    return Outgoing{topic, std::move(message.payload), message.qos.value_or(options_.message.qos),
                    message.retain.value_or(options_.message.retain), std::move(message.properties)};
  }

  const Options& options_;
  std::string topic_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  bool at_end_ = false;
  std::uint64_t produced_ = 0;
};

std::string fixed_payload(const SourceOptions& source) {
  if (source.message) return *source.message;
  if (source.file) return read_whole_file(*source.file);
  if (source.stdin_file) return read_all_input();
  return {};  // -n
}

}  // namespace

std::unique_ptr<MessageSource> make_source(const Options& options, const std::string& topic) {
  if (options.source.stdin_lines) return std::make_unique<LineSource>(options, topic);
  Outgoing message{topic, fixed_payload(options.source), options.message.qos, options.message.retain,
                   std::nullopt};
  return std::make_unique<RepeatedMessage>(std::move(message), options.pacing.repeat);
}

}  // namespace mq::pub
