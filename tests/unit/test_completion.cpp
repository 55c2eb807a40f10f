#include <CLI/CLI.hpp>
#include <doctest/doctest.h>

#include <string>

#include "mq/completion.hpp"

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A tool with a choice list (one choice empty), path-taking options, a short-only flag, a
// positional argument and a subcommand whose description has characters zsh's syntax uses.
struct SmallTool {
  CLI::App app{"Small tool", "mqsmall"};
  std::string mode, directory, path, file;
  bool extra = false;
  SmallTool() {
    app.add_option("--mode", mode, "The mode")->type_name("TEXT:{fast,,slow}");
    app.add_option("--dir", directory, "A directory")->type_name("DIR");
    app.add_option("--path", path, "A path")->type_name("PATH");
    app.add_flag("-x", extra, "Short only");
    app.add_option("input", file, "The input");
    app.add_subcommand("run-it", "does: it's\nmore here");
  }
};

}  // namespace

TEST_CASE("completion scripts offer the choices, paths for path options, and subcommands") {
  SmallTool tool;
  const std::string zsh = mq::completion_script(tool.app, "zsh");
  CHECK(contains(zsh, "(fast slow)"));
  CHECK(contains(zsh, "'run-it:does  it s more here'"));
  CHECK_FALSE(contains(zsh, "input"));
  const std::string bash = mq::completion_script(tool.app, "bash");
  CHECK(contains(bash, "--mode) COMPREPLY=($(compgen -W \"fast slow\" -- \"$cur\")); return 0 ;;"));
  CHECK(contains(bash, "--dir) COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;"));
  CHECK(contains(bash, "--path) COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;"));
  CHECK(contains(bash, "-x"));
  CHECK(contains(bash, "run-it"));
  const std::string fish = mq::completion_script(tool.app, "fish");
  CHECK(contains(fish, "-a run-it -d 'does: it'\\''s'"));
  CHECK(contains(fish, "complete -c mqsmall -s x -d 'Short only'"));
}
