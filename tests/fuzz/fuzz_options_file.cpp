// Feeds arbitrary bytes as an options file (-o FILE, ~/.config/mq/TOOL) to its reader.
// Properties: the file gives words or a usage Error naming one of its lines; and the words
// round-trip: each written back single-quoted, one per line, reads back as the same words.
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "mq/options_file.hpp"

namespace {

// One file in memory, rewritten for each input: no disk, no clean-up.
class MemoryFile {
public:
  MemoryFile() : descriptor_(memfd_create("options", 0)) { fuzz::check(descriptor_ >= 0); }
  std::string path() const { return fmt::format("/proc/self/fd/{}", descriptor_); }
  void hold(std::string_view content) const {
    fuzz::check(ftruncate(descriptor_, 0) == 0);
    fuzz::check(pwrite(descriptor_, content.data(), content.size(), 0) ==
                static_cast<ssize_t>(content.size()));
  }

private:
  int descriptor_;
};

// `word` as a shell writes it to be taken literally: in single quotes, each ' as '\''.
std::string single_quoted(const std::string& word) {
  std::string text = "'";
  for (const char c : word)
    text += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return text + "'";
}

bool names_a_line(std::string_view message, std::string_view content) {
  const std::size_t lines = static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1;
  for (std::size_t line = 1; line <= lines; ++line)
    if (message.find(fmt::format(", line {}: ", line)) != std::string_view::npos) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file;
  const std::string_view content = fuzz::as_text(data, size);
  file.hold(content);
  std::vector<std::string> words;
  try {
    words = mq::read_options_file(file.path(), "--options-file");
  } catch (const mq::Error& error) {
    fuzz::check(error.code() == mq::Exit::usage && names_a_line(error.what(), content));
    return 0;
  }
  std::string rewritten;
  for (const std::string& word : words)
    rewritten += single_quoted(word) + "\n";
  file.hold(rewritten);
  fuzz::check(mq::read_options_file(file.path(), "--options-file") == words);
  return 0;
}
