#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mq/error.hpp"
#include "mq/options_file.hpp"

namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
  const auto path =
      std::filesystem::temp_directory_path() / ("mq-unit-" + std::to_string(getpid()) + "-" + name);
  std::ofstream{path} << content;
  return path;
}

}  // namespace

TEST_CASE("an options file is one option per line, split like a shell, comments skipped") {
  const auto path = write_temp("options", "# broker\n-h broker.example\n\n  -p 1884\r\n-m 'hello world'\n"
                                          "-D publish user-property \"k\" \"a \\\"b\\\"\"\n--retain\n");
  CHECK(mq::read_options_file(path, "-o") ==
        std::vector<std::string>{"-h", "broker.example", "-p", "1884", "-m", "hello world", "-D", "publish",
                                 "user-property", "k", "a \"b\"", "--retain"});
  std::filesystem::remove(path);
}

TEST_CASE("an unclosed quote names the file and the line, a missing file is a usage error") {
  const auto path = write_temp("broken", "-h x\n-m 'open\n");
  try {
    mq::read_options_file(path, "-o");
    FAIL("accepted");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    CHECK(std::string{error.what()}.find("line 2") != std::string::npos);
  }
  std::filesystem::remove(path);
  CHECK_THROWS_AS(mq::read_options_file("/nonexistent/options", "-o"), mq::Error);
}

TEST_CASE("the defaults file comes first, the command line after it, -o replaces the defaults file") {
  const auto home = std::filesystem::temp_directory_path() / ("mq-unit-xdg-" + std::to_string(getpid()));
  std::filesystem::create_directories(home / "mq");
  std::ofstream(home / "mq" / "mqpub") << "-q 1\n";
  setenv("XDG_CONFIG_HOME", home.c_str(), 1);
  const char* plain[] = {"mqpub", "-t", "x"};
  std::optional<std::filesystem::path> source;
  CHECK(mq::arguments_with_options_file("mqpub", 3, plain, source) ==
        std::vector<std::string>{"mqpub", "-q", "1", "-t", "x"});
  CHECK(source == home / "mq" / "mqpub");

  const auto other = write_temp("other", "-q 2\n");
  const std::string other_path = other.string();
  const char* with_o[] = {"mqpub", "-o", other_path.c_str()};
  CHECK(mq::arguments_with_options_file("mqpub", 3, with_o, source) ==
        std::vector<std::string>{"mqpub", "-q", "2", "-o", other_path});
  unsetenv("XDG_CONFIG_HOME");
  std::filesystem::remove_all(home);
  std::filesystem::remove(other);
}

TEST_CASE("options file words: backslashes, tabs, empty and adjacent quotes, as a shell reads them") {
  const auto path = write_temp("words", "a\\ b\tc 'x\\y' \"p\\\"q\" '' mixed'quo ted'\"!\" end\\\n");
  CHECK(mq::read_options_file(path, "-o") ==
        std::vector<std::string>{"a b", "c", "x\\y", "p\"q", "", "mixedquo ted!", "end\\"});
  std::filesystem::remove(path);
}

TEST_CASE("an options file that is a directory is refused as one") {
  const auto directory = std::filesystem::temp_directory_path() / ("mq-unit-dir-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  try {
    mq::read_options_file(directory, "-o");
    FAIL("accepted");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    CHECK(std::string{error.what()} == "-o '" + directory.string() + "' cannot be read: it is a directory");
  }
  std::filesystem::remove(directory);
}

TEST_CASE("--options-file=FILE is read, and a trailing -o without a file is left to the option parser") {
  const auto file = write_temp("equals", "-q 2\n");
  const std::string given = "--options-file=" + file.string();
  const char* with_equals[] = {"mqpub", given.c_str(), "-o"};
  std::optional<std::filesystem::path> source;
  CHECK(mq::arguments_with_options_file("mqpub", 3, with_equals, source) ==
        std::vector<std::string>{"mqpub", "-q", "2", given, "-o"});
  CHECK(source == file);
  std::filesystem::remove(file);
}

TEST_CASE("the defaults file: $XDG_CONFIG_HOME, else ~/.config through $HOME, else none") {
  const auto home = std::filesystem::temp_directory_path() / ("mq-unit-home-" + std::to_string(getpid()));
  std::filesystem::create_directories(home / ".config" / "mq");
  std::ofstream(home / ".config" / "mq" / "mqsub") << "-v\n";
  const std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("XDG_CONFIG_HOME", "", 1);  // empty counts as unset
  setenv("HOME", home.c_str(), 1);
  CHECK(mq::defaults_file("mqsub") == home / ".config" / "mq" / "mqsub");
  CHECK(mq::defaults_file("mqpub") == std::nullopt);  // no such file
  unsetenv("HOME");
  CHECK(mq::defaults_file("mqsub") == std::nullopt);
  setenv("HOME", saved_home.c_str(), 1);
  unsetenv("XDG_CONFIG_HOME");
  std::filesystem::remove_all(home);
}
