// Feeds arbitrary -h host lists, -A bind lists, topic templates (-t) and id templates (-i) to
// mqbench's planner. Properties: a plan is made or refused with a usage Error; it has one
// connection shape per host or bind address (the longer list), each a single non-empty host;
// every client id differs; topics and filters are valid MQTT; a subscriber receives what it is
// planned to: in pairs and fan-out its publisher's topic, in fan-in a filter matching every publisher's.
#include <mosquitto.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mq/topic.hpp"
#include "plan.hpp"

namespace {

using mq::bench::ClientPlan;
using mq::bench::Plan;
using mq::bench::Role;

std::size_t listed(const std::string& list) {
  std::size_t count = 0;
  for (const std::string& item : fuzz::split(list, ','))
    count += item.empty() ? 0 : 1;
  return count;
}

void check_shapes(const Plan& plan, const mq::bench::Options& options) {
  const std::size_t hosts = listed(options.client.connection.host);
  const std::size_t binds = listed(options.client.connection.bind_address);
  fuzz::check(plan.shapes.size() == std::max<std::size_t>({hosts, binds, 1}));
  for (const mq::ClientOptions& shape : plan.shapes) {
    fuzz::check(!shape.connection.host.empty() && shape.connection.host.find(',') == std::string::npos);
    fuzz::check(shape.connection.bind_address.find(',') == std::string::npos);
  }
}

bool matches(const std::string& filter, const std::string& topic) {
  bool result = false;
  fuzz::check(mosquitto_topic_matches_sub(filter.c_str(), topic.c_str(), &result) == MOSQ_ERR_SUCCESS);
  return result;
}

void check_subscription(const ClientPlan& subscriber, const Plan& plan) {
  for (const ClientPlan& publisher : plan.clients) {
    if (publisher.role != Role::publisher) continue;
    if (plan.pattern == mq::bench::Pattern::fan_in) fuzz::check(matches(subscriber.topic, publisher.topic));
    if (plan.pattern == mq::bench::Pattern::fan_out) fuzz::check(subscriber.topic == publisher.topic);
    if (plan.pattern == mq::bench::Pattern::pairs && publisher.number == subscriber.number)
      fuzz::check(subscriber.topic == publisher.topic);
  }
}

void check_clients(const Plan& plan) {
  std::set<std::string> ids;
  for (const ClientPlan& client : plan.clients) {
    fuzz::check(ids.insert(client.client_id).second);
    if (client.role == Role::publisher) mq::check_topic_name(client.topic, "--topic");  // escapes if not
    if (client.role == Role::subscriber) {
      mq::check_topic_filter(client.topic, "--topic");
      check_subscription(client, plan);
    }
  }
}

// Input: HOSTS '\n' BINDS '\n' TOPIC '\n' ID '\n' and a byte picking the scenario, the pattern and
// -c (an empty TOPIC or ID is not given).
mq::bench::Options options_from(std::string_view input) {
  mq::bench::Options options;
  options.client.connection.host = fuzz::take_field(input);
  options.client.connection.bind_address = fuzz::take_field(input);
  if (const std::string_view topic = fuzz::take_field(input); !topic.empty()) options.message.topic = topic;
  options.client.connection.client_id = fuzz::take_field(input);
  const unsigned choice = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
  static const mq::bench::Scenario scenarios[] = {mq::bench::Scenario::pubsub, mq::bench::Scenario::pub,
                                                  mq::bench::Scenario::sub, mq::bench::Scenario::conn};
  options.scenario = scenarios[choice % 4];
  options.message.pattern = static_cast<mq::bench::Pattern>(choice / 4 % 3);
  options.load.clients = 1 + static_cast<int>(choice / 12 % 12);
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mq::bench::Options options = options_from(fuzz::as_text(data, size));
  std::optional<Plan> plan;
  if (!fuzz::accepted_or_refused_with(mq::Exit::usage, [&] { plan = mq::bench::make_plan(options, 64); }))
    return 0;
  check_shapes(*plan, options);
  check_clients(*plan);
  return 0;
}
