#include "harness/workspace.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace mq::test {
namespace {

std::vector<std::filesystem::path>& open_workspaces() {
  static std::vector<std::filesystem::path> paths;
  return paths;
}

}  // namespace

Workspace::Workspace() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mq-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  open_workspaces().push_back(path_);
}

std::filesystem::path Workspace::write(const std::string& name, const std::string& content, int mode) const {
  const std::filesystem::path file = path_ / name;
  write_file(file, content, mode);
  return file;
}

void Workspace::write_file(const std::filesystem::path& file, const std::string& content, int mode) {
  std::ofstream{file, std::ios::binary | std::ios::trunc} << content;
  chmod(file.c_str(), static_cast<mode_t>(mode));
}

void Workspace::finish_test(bool passed) {
  for (const auto& path : open_workspaces()) {
    if (passed) {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    } else {
      std::fprintf(stderr, "test files kept in %s (broker.log holds the broker's log)\n", path.c_str());
    }
  }
  open_workspaces().clear();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file{path, std::ios::binary};
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace mq::test
