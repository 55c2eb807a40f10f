// Feeds arbitrary bytes to the password-file parser. A file is either refused with an
// Exit::file Error, or written back byte for byte; adding, replacing and removing a user then
// change only that user's line and leave a file that parses again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mq/error.hpp"
#include "password_file.hpp"
#include "password_hash.hpp"

namespace {

const std::string hash = "$6$+pZlRlcdQXWMK39W$DhHibJZ8tv+tbRGQRlFu1YcHHLM/nRbthO3coXpH/"
                         "Fk6wIsXYTOMDWDOTixrszV9KmPx+LHnirOQggjKG0ZgVw==";

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void edit(mq::password::PasswordFile file) {
  const std::size_t users = file.user_count();
  const std::string before = file.text();
  const bool had_fuzz = file.find("fuzz") != nullptr;
  file.set("fuzz", hash);
  check(file.user_count() == users + (had_fuzz ? 0 : 1));
  const auto reparsed = mq::password::PasswordFile::parse(file.text(), "edited");
  check(reparsed.find("fuzz") && reparsed.find("fuzz")->secret == hash);
  check(reparsed.user_count() == file.user_count());
  if (!had_fuzz) {
    check(file.remove("fuzz"));
    // Removing what was appended gives the original back, but for a newline added at the end.
    const std::string after = file.text();
    check(after == before || after == before + "\n");
  }
  for (const auto& line : file.lines())
    if (line.is_entry() && line.user != "fuzz") {
      check(file.remove(line.user));
      mq::password::PasswordFile::parse(file.text(), "shrunk");
      break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content{reinterpret_cast<const char*>(data), size};
  try {
    const auto file = mq::password::PasswordFile::parse(content, "fuzzed");
    check(file.text() == content);
    for (const auto& line : file.lines())
      if (line.is_entry() && mq::password::looks_hashed(line.secret))
        check(mq::password::parse_hash(line.secret).hash.has_value());
    edit(file);
  } catch (const mq::Error& error) {
    check(error.code() == mq::Exit::file);
  }
  try {
    for (const auto& credential : mq::password::parse_credentials(content, "fuzzed list"))
      check(!mq::password::username_problem(credential.user) &&
            !mq::password::password_problem(credential.password));
  } catch (const mq::Error& error) {
    check(error.code() == mq::Exit::usage);
  }
  return 0;
}
