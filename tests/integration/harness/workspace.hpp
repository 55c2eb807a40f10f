#pragma once

#include <filesystem>
#include <string>

namespace mq::test {

/// A private temporary directory for one test. It is deleted when the test passes and kept,
/// with its path printed, when the test fails (see the janitor in main.cpp).
class Workspace {
public:
  Workspace();
  const std::filesystem::path& path() const { return path_; }
  /// A path inside the workspace.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `content` to a file in the workspace and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content, int mode = 0600) const;

  /// Writes `content` to `file` (any path).
  static void write_file(const std::filesystem::path& file, const std::string& content, int mode = 0600);

  /// Called when a test case ends: deletes the workspaces of a passing test, reports the others.
  static void finish_test(bool passed);

private:
  std::filesystem::path path_;
};

/// Reads a whole file; empty if it does not exist.
std::string read_file(const std::filesystem::path& path);

}  // namespace mq::test
