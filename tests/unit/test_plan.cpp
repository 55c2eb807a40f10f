#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "../../tools/mqbench/command_line.hpp"
#include "bench.hpp"
#include "mq/app.hpp"
#include "mq/error.hpp"
#include "plan.hpp"

using namespace mq::bench;

namespace {

// Parses an mqbench command line as main() does and plans the run.
Plan plan_for(std::vector<std::string> words, std::size_t max_connections = 100'000) {
  Options options;
  mq::ToolApp app{"mqbench", "test"};
  mq::bench::define_command_line(app, options);
  words.insert(words.begin(), "mqbench");
  std::vector<const char*> argv;
  for (const std::string& word : words)
    argv.push_back(word.c_str());
  mq::parse_command_line(app, static_cast<int>(argv.size()), argv.data());
  mq::finalize_client_options(options.client);
  return make_plan(options, max_connections);
}

std::string usage_error_of(std::vector<std::string> words) {
  try {
    plan_for(std::move(words));
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("templates expand %i, %c and %%, and refuse anything else") {
  CHECK(expand_template("bench/%i/x", 7, "id-7", "--topic") == "bench/7/x");
  CHECK(expand_template("%c/%i", 3, "client", "--topic") == "client/3");
  CHECK(expand_template("100%%", 3, "", "--id") == "100%");
  CHECK_THROWS_AS(expand_template("a/%z", 1, "c", "--topic"), mq::Error);
  CHECK_THROWS_AS(expand_template("a/%", 1, "c", "--topic"), mq::Error);
  CHECK_THROWS_AS(expand_template("%c", 1, "", "--id"), mq::Error);  // no client id in an id
}

TEST_CASE("the fan-in filter replaces each templated level with +") {
  CHECK(filter_for_template("mqbench/%i") == "mqbench/+");
  CHECK(filter_for_template("a/pub-%i-x/b") == "a/+/b");
  CHECK(filter_for_template("%c/%i/t") == "+/+/t");
  CHECK(filter_for_template("fixed/topic") == "fixed/topic");
  CHECK(filter_for_template("trailing/") == "trailing/");
}

TEST_CASE("pubsub pairs: subscribers first, each on its publisher's topic, ids unique") {
  const Plan plan = plan_for({"-c", "3", "-I", "b-"});
  REQUIRE(plan.clients.size() == 6);
  CHECK(plan.publishers == 3);
  CHECK(plan.subscribers == 3);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(plan.clients[i].role == Role::subscriber);
    CHECK(plan.clients[i + 3].role == Role::publisher);
    CHECK(plan.clients[i].topic == plan.clients[i + 3].topic);
    CHECK(plan.clients[i + 3].topic == "mqbench/" + std::to_string(i));
  }
  for (const ClientPlan& client : plan.clients)
    ids.insert(client.client_id);
  CHECK(ids.size() == 6);
  CHECK(plan.clients[0].client_id == "b-0");
  CHECK(plan.clients[5].client_id == "b-5");
  CHECK(plan.duration == 10.0);  // the default without --count
}

TEST_CASE("fan-in subscribes to the wildcard of the template, fan-out to the one topic") {
  const Plan in = plan_for({"-c", "4", "--pattern", "fan-in", "-t", "t/%c/data"});
  CHECK(in.subscribers == 1);
  CHECK(in.clients.front().topic == "t/+/data");
  CHECK(in.sources_of(0).size() == 4);
  const Plan out = plan_for({"-c", "4", "--pattern", "fan-out"});
  CHECK(out.publishers == 1);
  for (std::uint32_t k = 0; k < 4; ++k) {
    CHECK(out.clients[k].topic == "mqbench/0");
    CHECK(out.sources_of(k) == std::vector<std::uint32_t>{0});
  }
}

TEST_CASE("--count is spread over the publishers, the remainder to the first") {
  const Plan plan = plan_for({"pub", "-c", "3", "--count", "10"});
  CHECK(plan.quota(0) == 4);
  CHECK(plan.quota(1) == 3);
  CHECK(plan.quota(2) == 3);
  CHECK_FALSE(plan.duration.has_value());
  CHECK(plan_for({"pub", "-c", "3"}).quota(0) == std::nullopt);
}

TEST_CASE("--total-rate is shared by the publishers") {
  CHECK(plan_for({"pub", "-c", "4", "--total-rate", "1000"}).rate == 250);
  CHECK(plan_for({"pub", "-c", "4", "--rate", "30"}).rate == 30);
}

TEST_CASE("-h and -A lists give the clients their hosts and source addresses in turn") {
  const Plan plan =
      plan_for({"conn", "-c", "4", "-h", "a.example,b.example", "-A", "127.0.0.2,127.0.0.3,127.0.0.4"});
  REQUIRE(plan.shapes.size() == 3);
  CHECK(plan.shapes[0].connection.host == "a.example");
  CHECK(plan.shapes[1].connection.host == "b.example");
  CHECK(plan.shapes[2].connection.host == "a.example");
  CHECK(plan.shapes[2].connection.bind_address == "127.0.0.4");
  CHECK(plan.clients[3].shape == 0);
  CHECK(plan.clients[1].shape == 1);
}

TEST_CASE("--no-clean makes persistent sessions, the default is clean") {
  CHECK(plan_for({"conn"}).shapes[0].connection.clean_session);
  CHECK_FALSE(plan_for({"conn", "--no-clean", "-I", "keep-"}).shapes[0].connection.clean_session);
}

TEST_CASE("the open-file limit caps -c, keeping the pattern whole") {
  CHECK(plan_for({"-c", "100"}, 50).clients.size() == 50);  // 25 pairs
  CHECK(plan_for({"conn", "-c", "100"}, 50).clients.size() == 50);
  CHECK(plan_for({"-c", "100", "--pattern", "fan-in"}, 50).clients.size() == 50);
}

TEST_CASE("mistakes the parser cannot see are usage errors naming the option") {
  CHECK(usage_error_of({"-c", "2", "-i", "fixed"}) == "-i 'fixed' would give all 4 clients the same id");
  CHECK(usage_error_of({"-c", "2", "-i", "bench-%%i"}) ==
        "-i 'bench-%%i' would give all 4 clients the same id");
  CHECK(usage_error_of({"-t", "a/%q"}) == "--topic 'a/%q' has an unknown '%q'");
  CHECK(usage_error_of({"--user-property", "x"}) == "--user-property 'x' is not NAME=VALUE");
  CHECK(usage_error_of({"sub", "-t", "a/#/b"}).find("--topic") != std::string::npos);
  CHECK(usage_error_of({"-h", ","}) == "-h names no host");
  CHECK(usage_error_of({"-c", "2", "--pattern", "fan-in", "-t", "t/%c/data", "-i", "site/%i"}) ==
        "--pattern fan-in subscribes to 't/+/data', which does not match the topic 't/site/1/data' of a "
        "publisher");
}

TEST_CASE("without a subcommand mqbench runs pubsub, --help and --version stay at the top") {
  const auto first_word = [](std::vector<std::string> words) {
    Options options;
    mq::ToolApp app{"mqbench", "test"};
    mq::bench::define_command_line(app, options);
    const std::vector<std::string> arguments = app.with_default_subcommand(std::move(words));
    return arguments.size() > 1 ? arguments[1] : std::string{};
  };
  CHECK(first_word({"mqbench"}) == "pubsub");
  CHECK(first_word({"mqbench", "-c", "5"}) == "pubsub");
  CHECK(first_word({"mqbench", "conn", "-c", "5"}) == "conn");
  CHECK(first_word({"mqbench", "--help"}) == "--help");
  CHECK(first_word({"mqbench", "--version"}) == "--version");
}

TEST_CASE("TCP_NODELAY is on unless --nagle, and the settings record it") {
  CHECK(plan_for({}).shapes[0].connection.nodelay);
  CHECK(plan_for({"conn", "--nodelay"}).shapes[0].connection.nodelay);
  CHECK_FALSE(plan_for({"pub", "--nagle"}).shapes[0].connection.nodelay);
  CHECK_FALSE(plan_for({"--no-nodelay"}).shapes[0].connection.nodelay);
  CHECK(plan_for({}).settings()["nodelay"] == true);
  CHECK(plan_for({"--nagle"}).settings()["nodelay"] == false);
}

TEST_CASE("--size must leave MQTT's packet room for the topic and the header") {
  // 268,435,455 bytes of remaining length: 2 + 9 for the topic 'mqbench/0', 2 for the packet id.
  CHECK(plan_for({"-s", "268435444"}).size == 268'435'444);
  CHECK(plan_for({"-q", "1", "-s", "268435442"}).size == 268'435'442);
  const std::string over = usage_error_of({"-q", "1", "-s", "268435443"});
  CHECK(over == "--size 268435443 is more than MQTT allows in one message");
  try {
    plan_for({"-q", "1", "-s", "268435443"});
  } catch (const mq::Error& error) {
    CHECK(error.cause().find("at most 268,435,455 bytes") != std::string::npos);
    CHECK(error.fix() == "give -s 268435442 or less");
  }
  // MQTT v5 adds the properties' length, and the properties.
  CHECK(usage_error_of({"-V", "5", "-s", "268435444"}) ==
        "--size 268435444 is more than MQTT allows in one message");
  CHECK(usage_error_of({"-V", "5", "-s", "268435443", "--message-expiry", "9"}) ==
        "--size 268435443 is more than MQTT allows in one message");
  CHECK(plan_for({"-V", "5", "-s", "268435438", "--message-expiry", "9"}).size == 268'435'438);
  // The longest topic counts.
  CHECK(usage_error_of({"-c", "11", "-s", "268435444"}) ==
        "--size 268435444 is more than MQTT allows in one message");
}

TEST_CASE("--size must fit the maximum packet size the broker states") {
  const Plan plan = plan_for({"-s", "983"});  // QoS 0, 'mqbench/0': 2 + 9 + 1 (no properties) + 983
  CHECK_NOTHROW(check_payload_size(plan, mq::ProtocolVersion::v5, 998, "localhost:1883"));  // + 1 + 2
  try {
    check_payload_size(plan, mq::ProtocolVersion::v5, 997, "localhost:1883");
    FAIL("accepted");
  } catch (const mq::Error& error) {
    CHECK(error.code() == mq::Exit::usage);
    CHECK(
        std::string{error.what()} ==
        "--size 983 is more than the broker at localhost:1883 accepts: its maximum packet size is 997 bytes");
    CHECK(error.cause().find("header take 15 bytes of it, which leaves 982 for the payload") !=
          std::string::npos);
    CHECK(error.fix() == "give -s 982 or less, or raise the broker's limit (mosquitto: max_packet_size)");
  }
  CHECK_NOTHROW(check_payload_size(plan, mq::ProtocolVersion::v311, 997, "localhost:1883"));  // no properties
  try {
    check_payload_size(plan_for({}), mq::ProtocolVersion::v5, 40, "b:1883");
    FAIL("accepted");
  } catch (const mq::Error& error) {
    CHECK(error.cause().find("less than the 32 of mqbench's stamp") != std::string::npos);
  }
}
