// Special files for every path a tool writes: mqbench --json (a run and `mqbench report`) and
// --tls-keylog (mqpub, mqsub, mqbench). A FIFO is written to its reader, a device as a stream,
// a symbolic link's target is written, and a directory or a missing directory is refused before
// anything connects. Device nodes are made with mknod in the workspace (copies of /dev/null and
// /dev/full, never the real ones), which needs root: CI runs the tests as root.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <functional>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;
namespace fs = std::filesystem;

namespace {

// One path a tool writes, and how to make the tool write it.
struct Writer {
  std::string name;
  std::function<Outcome(const std::string& path)> run;
  std::string content;  // what the written text contains
};

// The brokers and files the writers need, and the writers.
class Writers {
public:
  explicit Writers(const Workspace& workspace)
      : workspace_(workspace), broker_(workspace_, tls_setup()), ca_(broker_.certificates().ca.string()),
        report_((workspace_ / "earlier.json").string()) {
    REQUIRE(bench({"pub", "-p", broker_.port_text(), "--count", "5", "--json", report_}).exit_code == 0);
    REQUIRE(tool("mqpub", {"-p", broker_.tls_port_text(), "--cafile", ca_, "-t", "keylog/retained", "-m",
                           "kept", "-r"})
                .exit_code == 0);
  }

  std::vector<Writer> all() const {
    const std::string plain = broker_.port_text();
    const std::string tls = broker_.tls_port_text();
    return {
        {"mqbench --json",
         [=, this](const std::string& path) {
           return bench({"pub", "-p", plain, "--count", "5", "--json", path});
         },
         "\"schema\": \"mqbench/1\""},
        {"mqbench report --json",
         [=, this](const std::string& path) {
           return bench({"report", report_, "--json", path});
         },
         "\"schema\": \"mqbench/1\""},
        {"mqpub --tls-keylog",
         [=, this](const std::string& path) {
           return tool("mqpub",
                       {"-p", tls, "--cafile", ca_, "-t", "keylog/pub", "-m", "x", "--tls-keylog", path});
         },
         "CLIENT_"},
        {"mqsub --tls-keylog",
         [=, this](const std::string& path) {
           return tool("mqsub", {"-p", tls, "--cafile", ca_, "-t", "keylog/retained", "-C", "1", "-W", "10",
                                 "--tls-keylog", path});
         },
         "CLIENT_"},
        {"mqbench --tls-keylog",
         [=, this](const std::string& path) {
           return bench({"pub", "-p", tls, "--cafile", ca_, "--count", "5", "--tls-keylog", path});
         },
         "CLIENT_"},
    };
  }

  // The same writers aimed at a port where nothing listens: a run that got as far as
  // connecting would exit 3, so exit 2 or 10 shows that the path was refused first.
  std::vector<Writer> unconnected() const {
    const std::string nothing = std::to_string(free_port());
    return {
        {"mqbench --json",
         [=, this](const std::string& path) {
           return bench({"-p", nothing, "--json", path});
         },
         ""},
        {"mqbench report --json",
         [=, this](const std::string& path) {
           return bench({"report", report_, "--json", path});
         },
         ""},
        {"mqpub --tls-keylog",
         [=, this](const std::string& path) {
           return tool("mqpub", {"-p", nothing, "--cafile", ca_, "-t", "t", "-m", "x", "--tls-keylog", path});
         },
         ""},
        {"mqsub --tls-keylog",
         [=, this](const std::string& path) {
           return tool("mqsub", {"-p", nothing, "--cafile", ca_, "-t", "t", "--tls-keylog", path});
         },
         ""},
        {"mqbench --tls-keylog",
         [=, this](const std::string& path) {
           return bench({"-p", nothing, "--cafile", ca_, "--tls-keylog", path});
         },
         ""},
    };
  }

  const std::string& report() const { return report_; }

private:
  static BrokerSetup tls_setup() {
    BrokerSetup setup;
    setup.tls = true;
    return setup;
  }
  Outcome bench(const std::vector<std::string>& arguments) const { return tool("mqbench", arguments); }
  Outcome tool(const std::string& name, const std::vector<std::string>& arguments) const {
    return run_tool(workspace_, name, arguments);
  }

  const Workspace& workspace_;
  Broker broker_;  // a plain and a TLS listener
  std::string ca_;
  std::string report_;
};

fs::path device(const Workspace& workspace, const std::string& name, unsigned minor) {
  const fs::path node = workspace / name;
  REQUIRE(::mknod(node.c_str(), S_IFCHR | 0666, ::makedev(1, minor)) == 0);
  return node;
}

bool is_character_device(const fs::path& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0 && S_ISCHR(status.st_mode);
}

}  // namespace

TEST_CASE("a FIFO each tool writes goes to its reader and stays a FIFO") {
  Workspace workspace;
  const Writers writers{workspace};
  for (const Writer& writer : writers.all()) {
    CAPTURE(writer.name);
    const fs::path fifo = workspace / "fifo";
    fs::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    Process reader{Command{{"cat", fifo.string()}, {}, {}}, workspace.path()};
    const Outcome outcome = writer.run(fifo.string());
    INFO("stderr: " << outcome.err);
    CHECK(outcome.exit_code == 0);
    const Outcome read = reader.finish();
    CHECK(contains(read.out, writer.content));
    CHECK(fs::is_fifo(fifo));
  }
}

TEST_CASE("a device node takes the writes as a stream: a copy of /dev/full is exit 10 with the cause") {
  require_root("mknod");
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path null = device(workspace, "null", 3);
  const fs::path full = device(workspace, "full", 7);
  for (const Writer& writer : writers.all()) {
    CAPTURE(writer.name);
    const Outcome into_null = writer.run(null.string());
    INFO("stderr: " << into_null.err);
    CHECK(into_null.exit_code == 0);
    CHECK(is_character_device(null));

    const Outcome into_full = writer.run(full.string());
    INFO("stderr: " << into_full.err);
    CHECK(into_full.exit_code == 10);
    CHECK(contains(into_full.err, "error: cannot write the "));
    CHECK(contains(into_full.err, "to '" + full.string() + "'"));
    CHECK(contains(into_full.err, "No space left on device"));
    CHECK(is_character_device(full));
  }
}

TEST_CASE("--json - on a standard output that fails is exit 10 with the cause") {
  require_root("mknod");
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path full = device(workspace, "full", 7);
  const Outcome outcome = run(Command{{"sh", "-c", "exec \"$0\" report \"$1\" --json - > \"$2\"",
                                       tool_path("mqbench"), writers.report(), full.string()},
                                      {},
                                      {}},
                              workspace.path());
  CHECK(outcome.exit_code == 10);
  CHECK(contains(outcome.err, "mqbench: error: cannot write to standard output"));
  CHECK(contains(outcome.err, "No space left on device"));
}

TEST_CASE("through a symbolic link each tool writes the link's target and the link stays") {
  Workspace workspace;
  const Writers writers{workspace};
  fs::create_directory(workspace / "real");
  for (const Writer& writer : writers.all()) {
    CAPTURE(writer.name);
    const fs::path target = workspace / "real" / "file";
    const fs::path link = workspace / "link";
    Workspace::write_file(target, "");
    fs::remove(link);
    fs::create_symlink("real/file", link);
    const Outcome outcome = writer.run(link.string());
    INFO("stderr: " << outcome.err);
    CHECK(outcome.exit_code == 0);
    CHECK(fs::is_symlink(link));
    CHECK(contains(read_file(target), writer.content));

    const fs::path dangling = workspace / "dangling";
    fs::remove(dangling);
    fs::remove(workspace / "real" / "made");
    fs::create_symlink(workspace / "real" / "made", dangling);
    CHECK(writer.run(dangling.string()).exit_code == 0);
    CHECK(fs::is_symlink(dangling));
    CHECK(contains(read_file(workspace / "real" / "made"), writer.content));
  }
  CHECK(std::distance(fs::directory_iterator{workspace / "real"}, fs::directory_iterator{}) == 2);
}

TEST_CASE("a directory is a usage error before anything connects, and nothing is written") {
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path directory = workspace / "results";
  fs::create_directory(directory);
  for (const Writer& writer : writers.unconnected()) {
    CAPTURE(writer.name);
    const Outcome outcome = writer.run(directory.string());
    CHECK(outcome.exit_code == 2);
    CHECK(contains(outcome.err, directory.string() + "' is a directory"));
    CHECK(contains(outcome.err, "fix: give --"));
    CHECK(fs::is_empty(directory));
  }
}

TEST_CASE("a path in a missing directory is exit 10 before anything connects") {
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path path = workspace / "missing" / "file";
  for (const Writer& writer : writers.unconnected()) {
    CAPTURE(writer.name);
    const Outcome outcome = writer.run(path.string());
    CHECK(outcome.exit_code == 10);
    CHECK(contains(outcome.err, "to '" + path.string() + "'"));
    CHECK(contains(outcome.err, "the directory '" + (workspace / "missing").string() + "' does not exist"));
  }
  CHECK_FALSE(fs::exists(workspace / "missing"));
}

TEST_CASE("a key log is appended to and created readable by its owner only") {
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path log = workspace / "keys.log";
  Writer pub = writers.all()[2];
  REQUIRE(pub.run(log.string()).exit_code == 0);
  const std::string first = read_file(log);
  REQUIRE(pub.run(log.string()).exit_code == 0);
  const std::string both = read_file(log);
  CHECK(both.starts_with(first));
  CHECK(both.size() > first.size());
  struct stat status {};
  REQUIRE(::stat(log.c_str(), &status) == 0);
  CHECK((status.st_mode & 07777) == 0600);
}

TEST_CASE("a link planted in a sticky world-writable directory by another user is refused by every writer") {
  require_root("lchown of a link to uid 65534");
  Workspace workspace;
  const Writers writers{workspace};
  const fs::path shared = workspace / "tmp";
  fs::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);
  const fs::path victim = workspace.write("victim", "precious\n");
  const fs::path planted = shared / "planted";
  fs::create_symlink(victim, planted);
  REQUIRE(::lchown(planted.c_str(), 65534, 65534) == 0);
  for (const Writer& writer : writers.unconnected()) {
    CAPTURE(writer.name);
    const Outcome outcome = writer.run(planted.string());
    CHECK(outcome.exit_code == 10);
    CHECK(contains(outcome.err, "is a symbolic link in " + shared.string()));
    CHECK(contains(outcome.err, "belongs to uid 65534"));
  }
  CHECK(read_file(victim) == "precious\n");
}

TEST_CASE("--tls-keylog - writes the keys to standard output") {
  Workspace workspace;
  const Writers writers{workspace};
  const Outcome outcome = writers.all()[2].run("-");  // mqpub
  INFO("stderr: " << outcome.err);
  CHECK(outcome.exit_code == 0);
  CHECK(contains(outcome.out, "CLIENT_"));
  CHECK_FALSE(fs::exists(workspace / "-"));
}
