// `TOOL --completion SHELL` prints a completion script made from the tool's options.
#include <doctest/doctest.h>

#include "harness/tools.hpp"

using namespace mq::test;

namespace {

// Sources the bash script and completes `words` (the last one partial), as bash would on TAB.
std::string bash_completes(const Workspace& workspace, const std::string& tool, const std::string& words) {
  const auto script =
      workspace.write(tool + ".bash", run_tool(workspace, tool, {"--completion", "bash"}).out);
  const std::string program = "source " + script.string() + " && complete -p " + tool + " && COMP_WORDS=(" +
                              tool + " " + words + ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1))" + " && _" +
                              tool + " && echo \"${COMPREPLY[*]}\"";
  const Outcome outcome = run(Command{{"bash", "-c", program}, {}, {}}, workspace.path());
  REQUIRE(outcome.exit_code == 0);
  return outcome.out;
}

}  // namespace

TEST_CASE("bash: the script registers a completion for every tool and completes a partial option") {
  Workspace workspace;
  for (const std::string tool : {"mqpub", "mqsub", "mqpasswd", "mqbench"}) {
    CAPTURE(tool);
    const std::string completed = bash_completes(workspace, tool, "--he");
    CHECK(completed.find("complete -o default -F _" + tool + " " + tool) != std::string::npos);
    CHECK(completed.find("--help") != std::string::npos);
  }
  CHECK(bash_completes(workspace, "mqpub", "--tls-v").find("--tls-version\n") != std::string::npos);
  CHECK(bash_completes(workspace, "mqpub", "--tls-version ''").find("tlsv1.3 tlsv1.2 tlsv1.1") !=
        std::string::npos);
  CHECK(bash_completes(workspace, "mqpub", "-q ''").find("0 1 2") != std::string::npos);
}

TEST_CASE("zsh and fish scripts name the tool and its options, an unknown shell is a usage error") {
  Workspace workspace;
  const Outcome zsh = run_tool(workspace, "mqsub", {"--completion", "zsh"});
  CHECK(zsh.exit_code == 0);
  CHECK(zsh.out.starts_with("#compdef mqsub\n"));
  CHECK(zsh.out.find("'--topic[") != std::string::npos);
  const Outcome fish = run_tool(workspace, "mqsub", {"--completion", "fish"});
  CHECK(fish.exit_code == 0);
  CHECK(fish.out.find("complete -c mqsub -s t -l topic") != std::string::npos);
  const Outcome unknown = run_tool(workspace, "mqsub", {"--completion", "tcsh"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("--completion 'tcsh'") != std::string::npos);
}
