#include "mq/message_input.hpp"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mq/error.hpp"
#include "mq/packet_size.hpp"

namespace mq {
namespace {

constexpr std::size_t join_chunk = 1024 * 1024;  // -s from a pipe: read in pieces of this size

// Fills `piece` from `fd`; returns how many bytes came (fewer at the end of input).
std::size_t read_fully(int fd, std::string& piece, std::string_view what) {
  std::size_t filled = 0;
  while (filled < piece.size()) {
    const ssize_t n = ::read(fd, piece.data() + filled, piece.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw usage_error(fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  return filled;
}

// Reads `fd` to its end, or stops as soon as more than `limit` bytes came (returns nothing).
// `expected` bytes (a regular file's size) are read straight into the final buffer; what comes
// beyond (a pipe, a growing file) is read in pieces joined once at the end, so that the peak is
// the size plus one piece, never the doubling of a growing buffer.
std::optional<std::string> read_to_end(int fd, std::size_t expected, std::size_t limit,
                                       std::string_view what) {
  std::vector<std::string> pieces;
  std::size_t total = 0;
  for (std::size_t wanted = expected > 0 ? expected : join_chunk;; wanted = join_chunk) {
    std::string piece(wanted, '\0');
    const std::size_t filled = read_fully(fd, piece, what);
    piece.resize(filled);
    total += filled;
    if (total > limit) return std::nullopt;
    if (filled > 0) pieces.push_back(std::move(piece));
    if (filled < wanted) break;
  }
  if (pieces.size() == 1) return std::move(pieces.front());
  std::string whole;
  whole.reserve(total);
  for (std::string& piece : pieces) {
    whole += piece;
    piece = std::string{};  // freed as soon as copied
  }
  return whole;
}

std::string read_file(const std::string& path, std::size_t limit, std::string_view topic) {
  const std::string what = fmt::format("--file '{}'", path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw usage_error(fmt::format("{} cannot be read: {}", what, std::strerror(errno)),
                      "give a readable file");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat facts {};
  if (::fstat(fd, &facts) != 0)
    throw usage_error(fmt::format("{} cannot be read: {}", what, std::strerror(errno)),
                      "give a readable file");
  if (S_ISDIR(facts.st_mode))
    throw usage_error(fmt::format("{} cannot be read: it is a directory", what), "give a readable file");
  const bool regular = S_ISREG(facts.st_mode);
  const auto size = static_cast<std::size_t>(facts.st_size);
  // Refused before reading a byte: a huge file costs nothing.
  if (regular && size > limit) throw payload_too_large(what, std::to_string(size), limit, topic);
  std::optional<std::string> content = read_to_end(fd, regular ? size : 0, limit, what);
  if (!content) throw payload_too_large(what, fmt::format("more than {}", limit), limit, topic);
  return std::move(*content);
}

std::string read_standard_input(std::size_t limit, std::string_view topic) {
  struct stat facts {};
  const bool regular = ::fstat(0, &facts) == 0 && S_ISREG(facts.st_mode);
  const std::size_t size = regular ? static_cast<std::size_t>(facts.st_size) : 0;
  const std::string what = "standard input (-s)";
  if (regular && size > limit) throw payload_too_large(what, std::to_string(size), limit, topic);
  std::optional<std::string> content = read_to_end(0, size, limit, "standard input");
  if (!content) throw payload_too_large(what, fmt::format("more than {}", limit), limit, topic);
  return std::move(*content);
}

}  // namespace

Error payload_too_large(std::string_view source, std::string_view size, std::size_t limit,
                        std::string_view topic) {
  return Error{
      Exit::usage, fmt::format("{} is larger than MQTT allows", source),
      fmt::format("it has {} bytes, and a PUBLISH packet to '{}' can carry at most {} bytes of payload "
                  "(MQTT allows {} bytes after the packet's header)",
                  size, topic, limit, mqtt_max_remaining_length),
      "send a smaller message: split or compress it"};
}

std::vector<CLI::Option*> add_whole_message_options(CLI::App& app, WholeMessageOptions& options,
                                                    const char* group) {
  std::vector<CLI::Option*> sources{
      app.add_option("-m,--message", options.message, "Publish this text")->group(group),
      app.add_option("-f,--file", options.file, "Publish the whole file (binary safe)")
          ->type_name("FILE")
          ->group(group),
      app.add_flag("-s,--stdin-file", options.stdin_file, "Publish all of standard input as one message")
          ->group(group),
      app.add_flag("-n,--null-message", options.null_message, "Publish an empty message")->group(group),
  };
  for (CLI::Option* one : sources)
    for (CLI::Option* other : sources)
      if (one != other) one->excludes(other);
  return sources;
}

WholeMessage read_whole_message(const WholeMessageOptions& options, std::size_t limit,
                                std::string_view topic) {
  if (options.message) {
    if (options.message->size() > limit)
      throw payload_too_large("--message", std::to_string(options.message->size()), limit, topic);
    return {*options.message, "the -m message"};
  }
  if (options.file)
    return {read_file(*options.file, limit, topic), fmt::format("--file '{}'", *options.file)};
  if (options.stdin_file) return {read_standard_input(limit, topic), "standard input (-s)"};
  return {{}, "the empty message (-n)"};
}

}  // namespace mq
