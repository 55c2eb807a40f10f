// mqpub --encode and mqsub --decode through a real broker: CBOR, MessagePack, BSON, UBJSON and
// Sparkplug B (also as made by Python's protobuf, an encoder that is not ours), aliases across
// BIRTH and DATA, payloads that do not decode, and lines that do not encode.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "mqsub_support.hpp"

using namespace mq::test;
using nlohmann::json;

namespace {

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> objects;
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);) {
    REQUIRE_MESSAGE(json::accept(line), line);
    objects.push_back(json::parse(line));
  }
  return objects;
}

// Values at each format's edges: integer type boundaries, floats, non-finite numbers, binary,
// nesting, unicode and empty values.
const std::vector<std::string> corpus_values = {"0",
                                                "-1",
                                                "23",
                                                "24",
                                                "127",
                                                "128",
                                                "-128",
                                                "-129",
                                                "255",
                                                "256",
                                                "-32768",
                                                "-32769",
                                                "65535",
                                                "65536",
                                                "2147483647",
                                                "-2147483648",
                                                "-2147483649",
                                                "4294967295",
                                                "4294967296",
                                                "9223372036854775807",
                                                "-9223372036854775808",
                                                "18446744073709551615",
                                                "0.5",
                                                "-1.25",
                                                "0.1",
                                                "1e300",
                                                "2.2250738585072014e-308",
                                                "3.4028234663852886e38",
                                                R"({"$float": "nan"})",
                                                R"({"$float": "inf"})",
                                                R"({"$float": "-inf"})",
                                                R"({"$binary": "AAECAwQF/w=="})",
                                                R"({"$binary": ""})",
                                                R"([[[]], [{}], [1, [2, [3]]]])",
                                                R"({"a": {"b": [1, {"c": null}]}, "": "empty key"})",
                                                R"("é 中文 😀 \u0000 \n \" \\")",
                                                R"("")",
                                                "[]",
                                                "{}",
                                                "true",
                                                "false",
                                                "null"};

// The lines to publish: each value alone (BSON: only objects), and each inside an object. BSON
// has no unsigned 64-bit integers, UBJSON no binary strings (mqpub(1)).
std::vector<std::string> corpus(const std::string& format) {
  std::vector<std::string> lines;
  for (const std::string& value : corpus_values) {
    if (format == "bson" && value == "18446744073709551615") continue;
    if (format == "ubjson" && value.starts_with("{\"$binary\"")) continue;
    if (format != "bson" || value.starts_with("{\"a\"") || value == "{}") lines.push_back(value);
    lines.push_back(R"({"v": )" + value + "}");
  }
  return lines;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines)
    text += line + "\n";
  return text;
}

}  // namespace

TEST_CASE("mqpub --encode F, then mqsub --decode F --json, gives back the same JSON for every format") {
  Workspace workspace;
  Broker broker{workspace};
  for (const std::string format : {"cbor", "msgpack", "bson", "ubjson"}) {
    CAPTURE(format);
    const std::vector<std::string> lines = corpus(format);
    auto subscriber =
        start_subscriber(workspace, {"-p", broker.port_text(), "-t", "codec/" + format, "-q", "1", "-C",
                                     std::to_string(lines.size()), "--decode", format, "--json"});
    const Outcome published =
        run_tool(workspace, "mqpub",
                 {"-p", broker.port_text(), "-t", "codec/" + format, "-q", "1", "-l", "--encode", format},
                 joined_lines(lines));
    REQUIRE_MESSAGE(published.exit_code == 0, published.err);
    const Outcome outcome = subscriber->finish();
    CHECK(outcome.exit_code == 0);
    CHECK_FALSE(contains(outcome.err, "warning"));
    const auto objects = json_lines(outcome.out);
    REQUIRE(objects.size() == lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CAPTURE(lines[i]);
      CHECK(objects[i]["payload_format"] == format);
      CHECK(objects[i]["payload"] == json::parse(lines[i]));
      CHECK(objects[i]["properties"]["content-type"] == "application/" + format);
    }
  }
}

TEST_CASE("Sparkplug B made by Python's protobuf decodes, DATA metrics get their names from the BIRTH, "
          "a truncated payload is printed as it is, with a warning naming the topic, and counted") {
  Workspace workspace;
  Broker broker{workspace};
  // The same .proto, compiled for Python at test time: an encoder that is not ours.
  const Outcome compiled = run(Command{{"protoc", "--proto_path=" MQ_SOURCE_DIR "/common/codec/proto",
                                        "--python_out=" + workspace.path().string(),
                                        MQ_SOURCE_DIR "/common/codec/proto/sparkplug_b.proto"},
                                       std::nullopt,
                                       {}},
                               workspace.path());
  REQUIRE_MESSAGE(compiled.exit_code == 0, compiled.err);
  workspace.write("make.py", R"(import os, struct, sys
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[1])
import sparkplug_b_pb2 as sp
birth = sp.Payload(timestamp=1700000000000, seq=0)
m = birth.metrics.add(name="Node Control/Rebirth", alias=1, datatype=11, boolean_value=False)
m = birth.metrics.add(name="Temperature", alias=2, datatype=10, double_value=21.5)
m = birth.metrics.add(name="Offset", alias=3, datatype=1, int_value=(-5) & 0xFFFFFFFF)
m = birth.metrics.add(name="Levels", alias=4, datatype=24, bytes_value=struct.pack("<2i", -1, 315338746))
m = birth.metrics.add(name="Serial", alias=5, datatype=12, string_value="A-7")
m.properties.keys.append("Quality")
m.properties.values.add(type=3, int_value=192)
ds = birth.metrics.add(name="Table", alias=6, datatype=16).dataset_value
ds.num_of_columns = 2
ds.columns.extend(["x", "y"])
ds.types.extend([3, 12])
row = ds.rows.add()
row.elements.add(int_value=7)
row.elements.add(string_value="seven")
open("nbirth.bin", "wb").write(birth.SerializeToString())
data = sp.Payload(timestamp=1700000001000, seq=1)
data.metrics.add(alias=2, timestamp=1700000000900, datatype=10, double_value=22.25)
data.metrics.add(alias=3, datatype=1, int_value=(-128) & 0xFFFFFFFF)
open("ndata.bin", "wb").write(data.SerializeToString())
open("truncated.bin", "wb").write(birth.SerializeToString()[:-5])
)");
  const Outcome made =
      run(Command{{"/usr/bin/python3", (workspace / "make.py").string(), workspace.path().string()},
                  std::nullopt,
                  {}},
          workspace.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);

  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "spBv1.0/#", "-q", "1", "-C",
                                                 "3", "--decode", "auto", "--json"});
  for (const auto& [topic, file] : {std::pair{"spBv1.0/Plant/NBIRTH/Edge1", "nbirth.bin"},
                                    std::pair{"spBv1.0/Plant/NDATA/Edge1", "ndata.bin"},
                                    std::pair{"spBv1.0/Plant/NDATA/Edge1", "truncated.bin"}})
    REQUIRE(reference_publish(workspace, broker, {"-t", topic, "-q", "1", "-f", (workspace / file).string()})
                .exit_code == 0);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  const auto objects = json_lines(outcome.out);
  REQUIRE(objects.size() == 3);

  CHECK(objects[0]["payload_format"] == "sparkplug");
  CHECK(objects[0]["payload"] == json::parse(R"({"timestamp": 1700000000000, "seq": 0, "metrics": [
      {"name": "Node Control/Rebirth", "alias": 1, "datatype": "Boolean", "value": false},
      {"name": "Temperature", "alias": 2, "datatype": "Double", "value": 21.5},
      {"name": "Offset", "alias": 3, "datatype": "Int8", "value": -5},
      {"name": "Levels", "alias": 4, "datatype": "Int32Array", "value": [-1, 315338746]},
      {"name": "Serial", "alias": 5, "datatype": "String", "value": "A-7",
       "properties": {"Quality": {"type": "Int32", "value": 192}}},
      {"name": "Table", "alias": 6, "datatype": "DataSet", "value": {"num_of_columns": 2, "columns": ["x", "y"],
       "types": ["Int32", "String"], "rows": [[7, "seven"]]}}]})"));
  CHECK(objects[1]["payload"] == json::parse(R"({"timestamp": 1700000001000, "seq": 1, "metrics": [
      {"name": "Temperature", "alias": 2, "name_from_birth": true, "timestamp": 1700000000900, "datatype": "Double",
       "value": 22.25},
      {"name": "Offset", "alias": 3, "name_from_birth": true, "datatype": "Int8", "value": -128}]})"));

  // The truncated one: as without --decode (base64, since its bytes are not UTF-8 text).
  CHECK_FALSE(objects[2].contains("payload_format"));
  CHECK(objects[2]["payloadlen"].get<std::size_t>() + 5 ==
        std::filesystem::file_size(workspace / "nbirth.bin"));
  CHECK(contains(outcome.err, "warning: the payload on 'spBv1.0/Plant/NDATA/Edge1' was printed as it is: not "
                              "valid Sparkplug B"));
  CHECK(contains(outcome.err, "1 payload was not decoded (--decode auto)"));

  // What mqsub printed, published again with mqpub --encode sparkplug, is the same message.
  auto again = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "spBv1.0/Plant/NBIRTH/Edge1",
                                            "-C", "1", "--decode", "sparkplug", "--json"});
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-t", "spBv1.0/Plant/NBIRTH/Edge1", "--encode", "sparkplug",
                    "-m", objects[0]["payload"].dump()})
              .exit_code == 0);
  const auto replayed = json_lines(again->finish().out);
  REQUIRE(replayed.size() == 1);
  CHECK(replayed[0]["payload"] == objects[0]["payload"]);
  CHECK(replayed[0]["payloadlen"] == objects[0]["payloadlen"]);
}

TEST_CASE("--encode with -l: a line that is not JSON, or that the format cannot hold, is named, counted and "
          "skipped, the others are published and the exit code says some were not") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(
      workspace, {"-p", broker.port_text(), "-t", "enc", "-q", "1", "-C", "2", "--decode", "bson", "--json"});
  const Outcome published = run_tool(
      workspace, "mqpub", {"-p", broker.port_text(), "-t", "enc", "-q", "1", "-l", "--encode", "bson"},
      "{\"n\": 1}\n{\"n\": tru\n[1, 2]\n{\"n\": 4}\n");
  CHECK(published.exit_code == 2);
  CHECK(contains(published.err, "warning: line 2 was not published as bson: not valid JSON: at column "));
  CHECK(contains(published.err, "warning: line 3 was not published as bson: BSON holds an object"));
  CHECK(contains(published.err, "error: 2 lines were not published: --encode bson could not convert them"));
  CHECK(contains(published.err, "sent 2, acknowledged 2, not acknowledged 0, not encoded (not sent) 2"));
  CHECK_FALSE(contains(published.err, "json.exception"));
  const auto objects = json_lines(subscriber->finish().out);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0]["payload"] == json{{"n", 1}});
  CHECK(objects[1]["payload"] == json{{"n", 4}});
}

TEST_CASE("--encode with -m: JSON the format cannot hold is a usage error and nothing is published") {
  Workspace workspace;
  Broker broker{workspace};
  const Outcome outcome = run_tool(workspace, "mqpub",
                                   {"-p", broker.port_text(), "-t", "enc", "--encode", "sparkplug", "-m",
                                    R"({"metrics": [{"name": "x", "datatype": "UInt8", "value": -1}]})"});
  CHECK(outcome.exit_code == 2);
  CHECK(contains(outcome.err, "error: the -m message cannot be published as sparkplug: not a Sparkplug B "
                              "payload: metric 'x': UInt8 needs a whole number from 0 to 255, not -1"));
  CHECK(run_tool(workspace, "mqpub", {"-p", broker.port_text(), "-t", "enc", "--encode", "cbor", "-n"})
            .exit_code == 2);
}

TEST_CASE("--json-lines with --encode: each line's \"payload\" value is converted, with the content type") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "jl/#", "-q", "1", "-C", "2", "--json"});
  const Outcome published = run_tool(
      workspace, "mqpub", {"-p", broker.port_text(), "-q", "1", "-l", "--json-lines", "--encode", "msgpack"},
      "{\"topic\": \"jl/a\", \"payload\": {\"x\": [1, 2]}}\n"
      "{\"topic\": \"jl/b\", \"payload\": 5, \"properties\": {\"content-type\": \"application/x-mine\"}}\n");
  REQUIRE_MESSAGE(published.exit_code == 0, published.err);
  const auto objects = json_lines(subscriber->finish().out);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0]["payload_encoding"] == "base64");  // no --decode: the MessagePack bytes
  CHECK(objects[0]["payload"] == "gaF4kgEC");
  CHECK(objects[0]["properties"]["content-type"] == "application/msgpack");
  CHECK(objects[1]["properties"]["content-type"] == "application/x-mine");  // the line's own wins
}

TEST_CASE(
    "--decode auto over MQTT v3.1.1 goes by the topic alone, a payload --decode cannot read is printed as "
    "it is, the run goes on and the exit code is 0") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-V", "311", "-t", "#", "-q", "1",
                                                 "-C", "3", "--decode", "auto"});
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-V", "311", "-t", "plain", "-q", "1", "--encode", "cbor", "-m",
                    "[1]"})
              .exit_code == 0);
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-V", "311", "-t", "spBv1.0/G/NDATA/E", "-q", "1", "--encode",
                    "sparkplug", "-m", R"({"seq": 3})"})
              .exit_code == 0);
  REQUIRE(reference_publish(workspace, broker, {"-t", "spBv1.0/G/NDATA/E", "-q", "1", "-m", "not protobuf"})
              .exit_code == 0);
  const Outcome outcome = subscriber->finish();
  CHECK(outcome.exit_code == 0);
  // No content type over v3.1.1: the CBOR bytes as they are; the Sparkplug topic decoded.
  CHECK(outcome.out == std::string{"\x81\x01\n{\"metrics\":[],\"seq\":3}\nnot protobuf\n"});
  CHECK(contains(outcome.err, "warning: the payload on 'spBv1.0/G/NDATA/E' was printed as it is: not valid "
                              "Sparkplug B"));
  CHECK(contains(outcome.err, "1 payload was not decoded (--decode auto)"));
}

TEST_CASE("--decode with -F: %v is the decoded JSON, %p the payload's bytes, --decode and --sys exclude") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "f", "-q", "1", "-C", "1",
                                                 "--decode", "ubjson", "-F", "%t %v %l"});
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-t", "f", "-q", "1", "--encode", "ubjson", "-m",
                    R"({"k": [true]})"})
              .exit_code == 0);
  CHECK(subscriber->finish().out == "f {\"k\":[true]} 8\n");
  const Outcome sys = subscribe(workspace, broker, {"--sys", "--decode", "json"});
  CHECK(sys.exit_code == 2);
  CHECK(contains(sys.err, "--sys cannot be combined with --decode"));
}

TEST_CASE("the README's Sparkplug B stream is what mqsub --decode auto --json prints for that edge node") {
  Workspace workspace;
  Broker broker{workspace};
  // The README's console block: its command line, then the lines it printed.
  std::istringstream readme{read_file(std::string{MQ_SOURCE_DIR} + "/README.md")};
  std::vector<std::string> expected;
  bool in_block = false;
  for (std::string line; std::getline(readme, line);) {
    if (line == "$ mqsub -t 'spBv1.0/#' --decode auto --json | jq -c '{topic, payload}'") {
      in_block = true;
    } else if (in_block) {
      if (line.starts_with("```")) break;
      expected.push_back(line);
    }
  }
  REQUIRE_MESSAGE(expected.size() == 2, "the README has no Sparkplug B console block of two lines");

  // The edge node of the README, in Python with Debian's protobuf.
  REQUIRE(run(Command{{"protoc", "--proto_path=" MQ_SOURCE_DIR "/common/codec/proto",
                       "--python_out=" + workspace.path().string(),
                       MQ_SOURCE_DIR "/common/codec/proto/sparkplug_b.proto"},
                      std::nullopt,
                      {}},
              workspace.path())
              .exit_code == 0);
  workspace.write("edge.py", R"(import os, sys
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[1])
import sparkplug_b_pb2 as sp
b = sp.Payload(timestamp=1764535200000, seq=0)
b.metrics.add(name="bdSeq", alias=0, datatype=8, long_value=0)
b.metrics.add(name="Node Control/Rebirth", alias=1, datatype=11, boolean_value=False)
b.metrics.add(name="Line 3/Temperature", alias=2, datatype=10, double_value=71.25)
b.metrics.add(name="Line 3/Motor RPM", alias=3, datatype=7, int_value=1450)
open("nbirth.bin", "wb").write(b.SerializeToString())
d = sp.Payload(timestamp=1764535205000, seq=1)
d.metrics.add(alias=2, timestamp=1764535204990, datatype=10, double_value=71.5)
d.metrics.add(alias=3, timestamp=1764535204990, datatype=7, int_value=1475)
open("ndata.bin", "wb").write(d.SerializeToString())
)");
  REQUIRE(run(Command{{"/usr/bin/python3", (workspace / "edge.py").string(), workspace.path().string()},
                      std::nullopt,
                      {}},
              workspace.path())
              .exit_code == 0);
  auto subscriber = start_subscriber(workspace, {"-p", broker.port_text(), "-t", "spBv1.0/#", "-q", "1", "-C",
                                                 "2", "--decode", "auto", "--json"});
  REQUIRE(reference_publish(
              workspace, broker,
              {"-t", "spBv1.0/Plant1/NBIRTH/Edge7", "-q", "1", "-f", (workspace / "nbirth.bin").string()})
              .exit_code == 0);
  REQUIRE(reference_publish(
              workspace, broker,
              {"-t", "spBv1.0/Plant1/NDATA/Edge7", "-q", "1", "-f", (workspace / "ndata.bin").string()})
              .exit_code == 0);
  const Outcome outcome = subscriber->finish();
  REQUIRE(outcome.exit_code == 0);
  std::istringstream lines{outcome.out};
  for (const std::string& want : expected) {
    std::string line;
    REQUIRE(std::getline(lines, line));
    // jq -c '{topic, payload}': those two keys, in that order, the payload as printed
    const nlohmann::ordered_json object = nlohmann::ordered_json::parse(line);
    const nlohmann::ordered_json shown{{"topic", object["topic"]}, {"payload", object["payload"]}};
    CHECK(shown.dump() == want);
  }
}

TEST_CASE(
    "--encode sets the content type beside the -D publish properties, and -D publish content-type wins") {
  Workspace workspace;
  Broker broker{workspace};
  auto subscriber =
      start_subscriber(workspace, {"-p", broker.port_text(), "-t", "ct", "-q", "1", "-C", "2", "--json"});
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-t", "ct", "-q", "1", "--encode", "cbor", "-m", "1", "-D",
                    "publish", "user-property", "k", "v", "-D", "publish", "message-expiry-interval", "3600"})
              .exit_code == 0);
  REQUIRE(run_tool(workspace, "mqpub",
                   {"-p", broker.port_text(), "-t", "ct", "-q", "1", "--encode", "cbor", "-m", "2", "-D",
                    "publish", "content-type", "application/x-mine"})
              .exit_code == 0);
  const auto objects = json_lines(subscriber->finish().out);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0]["properties"]["content-type"] == "application/cbor");
  CHECK(objects[0]["properties"]["user-properties"] == json::array({{{"k", "v"}}}));
  CHECK(objects[0]["properties"].contains("message-expiry-interval"));
  CHECK(objects[1]["properties"]["content-type"] == "application/x-mine");
}
