#include "plan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <thread>

#include "churn.hpp"
#include "mq/diagnostics.hpp"
#include "mq/topic.hpp"

namespace mq::bench {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::istringstream list{text};
  for (std::string part; std::getline(list, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string describe_count(std::uint64_t count, const char* singular, const char* plural) {
  return fmt::format("{} {}", count, count == 1 ? singular : plural);
}

const char* pattern_name(Pattern pattern) {
  switch (pattern) {
  case Pattern::fan_in:
    return "fan-in";
  case Pattern::fan_out:
    return "fan-out";
  default:
    return "pairs";
  }
}

const char* scenario_name(Scenario scenario) {
  switch (scenario) {
  case Scenario::conn:
    return "conn";
  case Scenario::pub:
    return "pub";
  case Scenario::sub:
    return "sub";
  case Scenario::report:
    return "report";
  default:
    return "pubsub";
  }
}

// How many publishers and subscribers -c means in each scenario.
std::pair<std::uint32_t, std::uint32_t> roles_for(const Options& options, std::uint32_t clients) {
  switch (options.scenario) {
  case Scenario::pub:
    return {clients, 0};
  case Scenario::sub:
    return {0, clients};
  case Scenario::pubsub:
    if (options.message.pattern == Pattern::fan_in) return {clients, 1};
    if (options.message.pattern == Pattern::fan_out) return {1, clients};
    return {clients, clients};
  default:
    return {0, 0};
  }
}

// The largest -c whose connections fit in `max_connections`.
std::uint32_t clients_that_fit(const Options& options, std::size_t max_connections) {
  const auto wanted = static_cast<std::uint32_t>(options.load.clients);
  const auto [publishers, subscribers] = roles_for(options, wanted);
  const std::size_t total = options.scenario == Scenario::conn ? wanted : publishers + subscribers;
  if (total <= max_connections) return wanted;
  const std::size_t fitting =
      options.scenario == Scenario::pubsub && options.message.pattern == Pattern::pairs ? max_connections / 2
      : options.scenario == Scenario::pubsub                                            ? max_connections - 1
                                                                                        : max_connections;
  diag::warning(fmt::format("the open-file limit allows about {} connections: using -c {} instead of {} "
                            "(raise it with ulimit -n, or run mqbench on several machines and merge with "
                            "mqbench report)",
                            max_connections, fitting, wanted));
  return static_cast<std::uint32_t>(std::max<std::size_t>(fitting, 1));
}

std::string id_for(const Options& options, std::uint64_t number) {
  const ConnectionOptions& connection = options.client.connection;
  if (!connection.client_id.empty()) return expand_template(connection.client_id, number, "", "--id");
  if (!connection.id_prefix.empty()) return fmt::format("{}{}", connection.id_prefix, number);
  return fmt::format("mqbench-{}-{}", getpid(), number);
}

void check_id_template(const Options& options, std::size_t clients) {
  const std::string& id = options.client.connection.client_id;
  // Only a %i that expands numbers the clients: "%%i" is the text "%i" in every id.
  if (clients > 1 && !id.empty() && expand_template(id, 0, "", "--id") == expand_template(id, 1, "", "--id"))
    throw usage_error(fmt::format("-i '{}' would give all {} clients the same id", id, clients),
                      "put %i in it (-i 'bench-%i'), or use -I PREFIX");
}

std::vector<ClientOptions> make_shapes(const Options& options) {
  std::vector<std::string> hosts = split_list(options.client.connection.host);
  std::vector<std::string> binds = split_list(options.client.connection.bind_address);
  if (hosts.empty()) throw usage_error("-h names no host", "give -h HOST or -h HOST1,HOST2");
  if (binds.empty()) binds.emplace_back();
  std::vector<ClientOptions> shapes;
  for (std::size_t i = 0; i < std::max(hosts.size(), binds.size()); ++i) {
    ClientOptions shape = options.client;
    shape.connection.host = hosts[i % hosts.size()];
    shape.connection.bind_address = binds[i % binds.size()];
    shape.connection.clean_session = options.load.clean;
    shape.connection.client_id.clear();  // set per client
    shape.connection.id_prefix.clear();
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

// The PUBLISH properties, and how many bytes they take in each packet.
std::pair<Properties, std::size_t> publish_properties(const MessageOptions& message, bool v5_possible) {
  Properties properties;
  std::size_t bytes = 0;
  if ((!message.user_properties.empty() || message.message_expiry) && !v5_possible)
    throw usage_error("--user-property and --message-expiry need MQTT v5, but -V asks for an older version",
                      "drop -V or use -V 5");
  for (const std::string& pair : message.user_properties) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      throw usage_error(fmt::format("--user-property '{}' is not NAME=VALUE", pair),
                        "write it as NAME=VALUE");
    properties.add_string_pair(MQTT_PROP_USER_PROPERTY, pair.substr(0, equals), pair.substr(equals + 1));
    bytes += 1 + 2 + equals + 2 + (pair.size() - equals - 1);  // identifier, two length-prefixed strings
  }
  if (message.message_expiry) {
    properties.add_int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, *message.message_expiry);
    bytes += 1 + 4;
  }
  return {std::move(properties), bytes};
}

// Bytes MQTT's variable byte integer takes for `value`.
std::size_t varint_bytes(std::size_t value) {
  return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

// What a PUBLISH to `topic` adds to its payload in the remaining length: the topic, a packet id
// at QoS 1 and 2, and in MQTT v5 the properties with their length.
std::size_t publish_overhead(const Plan& plan, ProtocolVersion protocol, const std::string& topic) {
  std::size_t bytes = 2 + topic.size() + (plan.qos > 0 ? 2 : 0);
  if (protocol == ProtocolVersion::v5)
    bytes += varint_bytes(plan.publish_property_bytes) + plan.publish_property_bytes;
  return bytes;
}

// The largest remaining length of a packet of at most `packet` bytes with its fixed header
// (one byte, and the remaining length in one to four).
std::size_t remaining_length_within(std::uint32_t packet) {
  std::size_t remaining = packet > 2 ? packet - 2 : 0;
  while (remaining > 0 && 1 + varint_bytes(remaining) + remaining > packet)
    --remaining;
  return remaining;
}

std::string with_separators(std::size_t number) {
  const std::string digits = std::to_string(number);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

// Fan-in's filter has a '+' for each templated level: a client id with a '/' in it (%c) makes
// that level several, and the subscriber would receive nothing.
void check_fan_in_filter(const std::string& filter, const std::vector<std::string>& publisher_topics) {
  for (const std::string& topic : publisher_topics) {
    bool matches = false;
    // An invalid topic is left to check_topic_name, which says what is wrong with it.
    if (mosquitto_topic_matches_sub(filter.c_str(), topic.c_str(), &matches) == MOSQ_ERR_SUCCESS && !matches)
      throw usage_error(
          fmt::format("--pattern fan-in subscribes to '{}', which does not match the topic '{}' "
                      "of a publisher",
                      filter, topic),
          "keep '/' out of the client ids (-i, -I) that the topic's %c holds, or use %i");
  }
}

std::string topic_template(const Options& options) {
  if (options.message.topic) return *options.message.topic;
  if (options.client.url_topic && !options.client.url_topic->empty()) return *options.client.url_topic;
  return options.scenario == Scenario::sub ? "mqbench/#" : "mqbench/%i";
}

// The clients of each role that a shard makes, out of the whole run's: pairs, publishers and
// subscribers are split alike (publisher k's subscriber is in its shard); fan-in's one
// subscriber and fan-out's one publisher are in shard 1.
struct RoleShares {
  Share publishers, subscribers, idle;
  std::uint64_t total() const { return publishers.size + subscribers.size + idle.size; }
};

RoleShares shares_for(const Options& options, std::uint32_t publishers, std::uint32_t subscribers,
                      std::uint32_t idle, Shard shard) {
  const Share only_in_first{0, shard.index == 1 ? 1u : 0u};
  RoleShares shares{share_of(publishers, shard), share_of(subscribers, shard), share_of(idle, shard)};
  if (options.scenario == Scenario::pubsub && options.message.pattern == Pattern::fan_in)
    shares.subscribers = only_in_first;
  if (options.scenario == Scenario::pubsub && options.message.pattern == Pattern::fan_out)
    shares.publishers = only_in_first;
  return shares;
}

void add_clients(Plan& plan, const Options& options, const RoleShares& shares) {
  const std::string topics = topic_template(options);
  const auto shape_of = [&](std::size_t index) {
    return static_cast<std::uint32_t>(index % plan.shapes.size());
  };
  // Publishers are numbered after the subscribers in their ids; a subscriber's filter in pubsub
  // is its publisher's topic.
  const auto publisher_id = [&](std::uint64_t global) {
    return id_for(options, plan.all_subscribers + global);
  };
  const auto publisher_topic = [&](std::uint64_t global) {
    return expand_template(topics, global, publisher_id(global), "--topic");
  };
  std::vector<std::string> publisher_topics;
  for (std::uint32_t k = 0; k < shares.publishers.size; ++k)
    publisher_topics.push_back(publisher_topic(shares.publishers.first + k));
  for (std::uint32_t k = 0; k < shares.subscribers.size; ++k) {
    const auto global = static_cast<std::uint32_t>(shares.subscribers.first + k);
    const std::string id = id_for(options, global);
    std::string filter;
    if (options.scenario == Scenario::sub) {
      filter = expand_template(topics, global, id, "--topic");
    } else if (plan.pattern == Pattern::fan_in) {
      filter = filter_for_template(topics);
      check_fan_in_filter(filter, publisher_topics);
    } else {
      filter = publisher_topic(plan.pattern == Pattern::fan_out ? 0 : global);
    }
    plan.clients.push_back(
        ClientPlan{Role::subscriber, k, global, shape_of(plan.clients.size()), id, std::move(filter)});
  }
  for (std::uint32_t k = 0; k < shares.publishers.size; ++k) {
    const auto global = static_cast<std::uint32_t>(shares.publishers.first + k);
    plan.clients.push_back(ClientPlan{Role::publisher, k, global, shape_of(plan.clients.size()),
                                      publisher_id(global), publisher_topics[k]});
  }
  for (std::uint32_t k = 0; k < shares.idle.size; ++k) {
    const auto global = static_cast<std::uint32_t>(shares.idle.first + k);
    plan.clients.push_back(ClientPlan{Role::idle, k, global, shape_of(k), id_for(options, global), {}});
  }
  for (const ClientPlan& client : plan.clients) {
    if (client.role == Role::publisher) check_topic_name(client.topic, "--topic");
    if (client.role == Role::subscriber) check_topic_filter(client.topic, "--topic");
  }
}

// A shard gets at least one client, and all of its clients: cutting one shard's share would
// no longer make the run one process makes.
void check_shard_size(std::uint64_t mine, std::uint32_t clients, Shard shard, std::size_t max_connections) {
  if (mine == 0)
    throw usage_error(fmt::format("--shard {} has no client: -c {} is split over {} shards", shard.text(),
                                  clients, shard.count),
                      fmt::format("give -c {} or more, or fewer shards", shard.count));
  if (mine > max_connections)
    throw usage_error(
        fmt::format("shard {} would open {} connections, but the open-file limit allows about {}",
                    shard.text(), mine, max_connections),
        "raise it with ulimit -n, or use more shards");
}

// Without a rate, pubsub paces each publisher by what its subscribers received (flow control
// within one process); a subscriber in another shard cannot tell its publisher.
void check_flow_across_shards(const Plan& plan) {
  if (plan.crosses_shards() && plan.rate <= 0)
    throw usage_error(
        fmt::format("--pattern {} over {} shards needs a rate", pattern_name(plan.pattern), plan.shard.count),
        "give --rate or --total-rate (as fast as possible is paced by the subscribers, "
        "which are in other shards)");
}

double per_publisher_rate(const Options& options, std::uint32_t publishers) {
  if (options.message.total_rate) return *options.message.total_rate / publishers;
  return options.message.rate;
}

}  // namespace

std::string expand_template(const std::string& text, std::uint64_t number, const std::string& client_id,
                            const char* option) {
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      result += text[i];
      continue;
    }
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (next == 'i')
      result += std::to_string(number);
    else if (next == 'c' && !client_id.empty())
      result += client_id;
    else if (next == '%')
      result += '%';
    else
      throw usage_error(
          fmt::format("{} '{}' has an unknown '%{}'", option, text, next == '\0' ? "" : std::string{next}),
          client_id.empty() ? "use %i for the client's number, %% for a percent sign"
                            : "use %i for the number, %c for the client id, %% for a percent sign");
    ++i;
  }
  return result;
}

std::string filter_for_template(const std::string& topic_template) {
  std::vector<std::string> levels;
  std::istringstream split{topic_template};
  for (std::string level; std::getline(split, level, '/');)
    levels.push_back(level.find("%i") != std::string::npos || level.find("%c") != std::string::npos ? "+"
                                                                                                    : level);
  if (!topic_template.empty() && topic_template.back() == '/') levels.emplace_back();
  return fmt::format("{}", fmt::join(levels, "/"));
}

void check_payload_size(const Plan& plan, ProtocolVersion protocol,
                        std::optional<std::uint32_t> broker_maximum_packet, const std::string& broker) {
  std::string longest;
  for (const ClientPlan& client : plan.clients) {
    if (client.role == Role::publisher && client.topic.size() > longest.size()) longest = client.topic;
  }
  if (plan.publishers == 0) return;
  const std::size_t overhead = publish_overhead(plan, protocol, longest);
  const std::string what_else =
      fmt::format("the topic '{}'{}{}", longest, plan.qos > 0 ? ", the packet id" : "",
                  protocol == ProtocolVersion::v5 ? " and the properties" : "");
  if (plan.size + overhead > mqtt_maximum_remaining_length) {
    const std::size_t largest =
        mqtt_maximum_remaining_length - std::min(overhead, mqtt_maximum_remaining_length);
    throw Error{Exit::usage, fmt::format("--size {} is more than MQTT allows in one message", plan.size),
                fmt::format("an MQTT packet holds at most {} bytes after its fixed header; {} take {} of "
                            "them, which leaves {} for the payload",
                            with_separators(mqtt_maximum_remaining_length), what_else, overhead,
                            with_separators(largest)),
                fmt::format("give -s {} or less", largest)};
  }
  if (!broker_maximum_packet) return;
  const std::size_t remaining = remaining_length_within(*broker_maximum_packet);
  if (plan.size + overhead <= remaining) return;
  const std::size_t largest = remaining > overhead ? remaining - overhead : 0;
  const std::string what =
      fmt::format("--size {} is more than the broker at {} accepts: its maximum packet size is {} bytes",
                  plan.size, broker, with_separators(*broker_maximum_packet));
  const std::string cause = fmt::format(
      "the broker states that limit in its CONNACK; {} and the packet's header take {} bytes of it, "
      "which leaves {} for the payload",
      what_else, *broker_maximum_packet - largest, with_separators(largest));
  if (largest < 32)
    throw Error{Exit::usage, what, cause + ", less than the 32 of mqbench's stamp",
                "raise the broker's limit (mosquitto: max_packet_size)"};
  throw Error{
      Exit::usage, what, cause,
      fmt::format("give -s {} or less, or raise the broker's limit (mosquitto: max_packet_size)", largest)};
}

std::optional<std::uint64_t> Plan::quota(std::uint32_t global) const {
  if (!count) return std::nullopt;
  return *count / all_publishers + (global < *count % all_publishers ? 1 : 0);
}

std::vector<std::uint32_t> Plan::sources_of(std::uint32_t global) const {
  if (scenario != Scenario::pubsub) return {};
  if (pattern == Pattern::pairs) return {global};
  if (pattern == Pattern::fan_out) return {0};
  std::vector<std::uint32_t> all(all_publishers);
  for (std::uint32_t k = 0; k < all_publishers; ++k)
    all[k] = k;
  return all;
}

std::string Plan::description() const {
  std::vector<std::string> hosts;
  for (const ClientOptions& shape : shapes) {
    const std::string host =
        fmt::format("{}:{}", shape.connection.host, shape.connection.effective_port(shape.tls.enabled()));
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  const std::string where =
      fmt::format("{}{}", fmt::join(hosts, ", "), shapes.front().tls.enabled() ? " (TLS)" : "");
  if (scenario == Scenario::conn)
    return fmt::format(
        "{} to {}{}{}", describe_count(all_connections, "connection", "connections"), where,
        conn_rate > 0 ? fmt::format(" at {}/s", conn_rate) : "",
        churn > 0 ? fmt::format(", {} reopened per second ({})", churn, churn_close_name(churn_close)) : "");
  const std::string load = fmt::format("QoS {}, {}-byte payloads, {}", qos, size,
                                       rate > 0 ? fmt::format("{} msg/s per publisher", rate)
                                                : std::string{"as fast as possible"});
  if (scenario == Scenario::sub)
    return fmt::format("{} on {} at {}, QoS {}", describe_count(all_subscribers, "subscriber", "subscribers"),
                       clients.front().topic, where, qos);
  if (scenario == Scenario::pub)
    return fmt::format("{} to {}, {}", describe_count(all_publishers, "publisher", "publishers"), where,
                       load);
  return fmt::format("{} -> {} ({}) via {}, {}", describe_count(all_publishers, "publisher", "publishers"),
                     describe_count(all_subscribers, "subscriber", "subscribers"), pattern_name(pattern),
                     where, load);
}

nlohmann::json Plan::settings() const {
  std::vector<std::string> hosts;
  for (const ClientOptions& shape : shapes)
    hosts.push_back(
        fmt::format("{}:{}", shape.connection.host, shape.connection.effective_port(shape.tls.enabled())));
  const ClientOptions& first = shapes.front();
  nlohmann::json settings{
      {"scenario", scenario_name(scenario)},
      {"connections", all_connections},
      {"publishers", all_publishers},
      {"subscribers", all_subscribers},
      {"threads", threads},
      {"conn_rate", conn_rate},
      {"hosts", hosts},
      {"tls", first.tls.enabled()},
      {"protocol", protocol_name(first.connection.protocol.value_or(ProtocolVersion::v5))},
      {"clean", first.connection.clean_session},
      {"nodelay", first.connection.nodelay},
      {"qos", qos}};
  if (scenario == Scenario::pubsub) settings["pattern"] = pattern_name(pattern);
  if (scenario == Scenario::pub || scenario == Scenario::pubsub) {
    settings["size"] = size;
    settings["rate_per_publisher"] = rate > 0 ? nlohmann::json(rate) : nlohmann::json(nullptr);
    settings["retain"] = retain;
    settings["warmup_s"] = warmup;
    settings["ramp_s"] = ramp;
    settings["inflight"] = first.connection.max_inflight;
  }
  settings["duration_s"] = duration ? nlohmann::json(*duration) : nlohmann::json(nullptr);
  settings["count"] = count ? nlohmann::json(*count) : nlohmann::json(nullptr);
  if (scenario == Scenario::conn) settings["hold_s"] = hold ? nlohmann::json(*hold) : nlohmann::json(nullptr);
  if (churn > 0) {
    settings["churn_per_s"] = churn;
    settings["churn_close"] = churn_close_name(churn_close);
  }
  return settings;
}

Plan make_plan(const Options& options, std::size_t max_connections, Shard shard) {
  Plan plan;
  plan.scenario = options.scenario;
  plan.pattern = options.message.pattern;
  plan.shard = shard;
  plan.shapes = make_shapes(options);
  const std::uint32_t clients = shard.sharded() ? static_cast<std::uint32_t>(options.load.clients)
                                                : clients_that_fit(options, max_connections);
  const auto [publishers, subscribers] = roles_for(options, clients);
  const std::uint32_t idle = options.scenario == Scenario::conn ? clients : 0;
  check_id_template(options, options.scenario == Scenario::conn ? clients : publishers + subscribers);
  const RoleShares shares = shares_for(options, publishers, subscribers, idle, shard);
  check_shard_size(shares.total(), clients, shard, max_connections);
  plan.all_publishers = publishers;
  plan.all_subscribers = subscribers;
  plan.all_connections = std::size_t{publishers} + subscribers + idle;
  plan.publishers = static_cast<std::uint32_t>(shares.publishers.size);
  plan.subscribers = static_cast<std::uint32_t>(shares.subscribers.size);
  plan.first_publisher = static_cast<std::uint32_t>(shares.publishers.first);
  add_clients(plan, options, shares);

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  plan.threads = static_cast<int>(
      std::min<std::size_t>(options.load.threads > 0 ? static_cast<std::size_t>(options.load.threads) : cores,
                            plan.clients.size()));
  plan.conn_rate = options.load.conn_rate;
  plan.connect_timeout = options.client.connection.connect_timeout;
  plan.qos = options.message.qos;
  plan.size = static_cast<std::size_t>(options.message.size);
  plan.rate = publishers > 0 ? per_publisher_rate(options, publishers) : 0;
  check_flow_across_shards(plan);
  plan.retain = options.message.retain;
  const auto protocol = options.client.connection.protocol;
  std::tie(plan.publish_properties, plan.publish_property_bytes) =
      publish_properties(options.message, !protocol || protocol == ProtocolVersion::v5);
  plan.hold = options.load.hold;
  plan.churn = options.load.churn;
  plan.churn_close = options.load.churn_close;
  if (plan.churn > 0 && plan.hold == 0.0)
    throw usage_error(
        "--churn reopens held connections, but --hold 0 ends the run as soon as all are connected",
        "give --hold SECONDS (or leave it out to hold until Ctrl-C)");
  plan.count = options.load.count;
  if (plan.count && options.scenario == Scenario::sub) plan.count = share_of(*plan.count, shard).size;
  plan.duration = options.load.duration;
  if (!plan.duration && !plan.count && options.scenario != Scenario::sub) plan.duration = 10.0;
  plan.warmup = options.load.warmup;
  plan.ramp = options.load.ramp;
  // Hashed as text; a topic that is not UTF-8 is refused further on, not here.
  const std::string settings = plan.settings().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  plan.run_id = options.shards.run_id.value_or(
      default_run_id(scenario_name(plan.scenario), settings, std::chrono::system_clock::now()));
  plan.run_tag =
      shard.sharded() ? run_tag_of(plan.run_id) : static_cast<std::uint32_t>(std::random_device{}());
  // Before connecting, what MQTT allows at all (v3.1.1 allows one byte more than v5 without
  // properties); check_brokers checks again with the protocol and the limit the broker states.
  check_payload_size(plan, protocol.value_or(ProtocolVersion::v311));
  return plan;
}

}  // namespace mq::bench
