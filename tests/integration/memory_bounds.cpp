// Memory that does not grow with the input: mqpub -l holds a window of lines, never the input,
// and an -f file over MQTT's limit is refused without being read. Peak resident memory is
// compared between a small and a large input of the same run, a ratio and never a time.
// ASan's quarantine, which keeps freed memory for a while, is turned off for these runs.
#include <doctest/doctest.h>

#include "harness/broker.hpp"
#include "harness/tools.hpp"

using namespace mq::test;

namespace {

const std::map<std::string, std::string> no_quarantine{
    {"ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=0"}};

// `count` numbered lines of about 200 bytes.
std::string numbered_lines(int count) {
  std::string lines;
  for (int line = 1; line <= count; ++line)
    lines += "line " + std::to_string(line) + ": " + std::string(190, 'x') + "\n";
  return lines;
}

long peak_memory_publishing(const Workspace& workspace, const Broker& broker, const std::string& lines,
                            const std::string& qos) {
  const MeasuredOutcome run = run_tool_measuring_memory(
      workspace, "mqpub", {"-p", broker.port_text(), "-t", "memory", "-q", qos, "-l"}, lines, no_quarantine);
  REQUIRE_MESSAGE(run.outcome.exit_code == 0, run.outcome.err);
  return run.peak_memory_kib;
}

}  // namespace

TEST_CASE("mqpub -l keeps its memory flat: a hundred times the lines, at most 1.2 times the peak") {
  Workspace workspace;
  BrokerSetup setup;
  setup.log_every_packet = false;
  Broker broker{workspace, setup};
  for (const auto& [qos, many] : {std::pair{std::string{"0"}, 200000}, {"1", 50000}}) {
    const long few = peak_memory_publishing(workspace, broker, numbered_lines(many / 100), qos);
    const long lots = peak_memory_publishing(workspace, broker, numbered_lines(many), qos);
    MESSAGE("QoS ", qos, ": ", many / 100, " lines peak ", few, " KiB, ", many, " lines peak ", lots, " KiB");
    CHECK(lots <= few * 6 / 5);
  }
}

TEST_CASE("an -f file over MQTT's limit is refused without being read: the peak of a one-line file") {
  Workspace workspace;
  Broker broker{workspace};
  const std::filesystem::path small = workspace.write("small", "one line\n");
  const std::filesystem::path huge = workspace / "huge";
  Workspace::write_file(huge, "");
  std::filesystem::resize_file(huge, 1'000'000'000);  // sparse: a gigabyte that takes no disk
  const auto publish = [&](const std::filesystem::path& file) {
    return run_tool_measuring_memory(workspace, "mqpub",
                                     {"-p", broker.port_text(), "-t", "memory", "-f", file.string()}, {},
                                     no_quarantine);
  };
  const MeasuredOutcome published = publish(small);
  REQUIRE(published.outcome.exit_code == 0);
  const MeasuredOutcome refused = publish(huge);
  CHECK(refused.outcome.exit_code == 2);
  CHECK(contains(refused.outcome.err, "MQTT"));
  MESSAGE("one line: peak ", published.peak_memory_kib, " KiB, refused 1 GB: peak ", refused.peak_memory_kib,
          " KiB");
  CHECK(refused.peak_memory_kib <= published.peak_memory_kib * 6 / 5);
}
