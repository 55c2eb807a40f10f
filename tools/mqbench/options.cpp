// mqbench's command line: one subcommand per scenario, each with the option groups it uses.
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <vector>

#include "bench.hpp"
#include "mq/option_checks.hpp"

namespace mq::bench {
namespace {

constexpr const char* load_group = "Load";
constexpr const char* message_group = "Messages";
constexpr const char* output_group = "Results";
constexpr const char* search_group = "Finding the limit";
constexpr const char* metrics_group = "Live metrics";
constexpr const char* shard_group = "Several machines";

struct SubcommandInfo {
  const char* name;
  Scenario scenario;
  const char* description;
};
constexpr std::array<SubcommandInfo, 5> subcommands{{
    {"conn", Scenario::conn, "Open -c connections at --conn-rate, hold them, and time the connects"},
    {"pub", Scenario::pub, "Publish from -c clients at --rate and time the acknowledgements"},
    {"sub", Scenario::sub, "Subscribe with -c clients and time, count and check what arrives"},
    {"pubsub", Scenario::pubsub,
     "Publishers and subscribers in one process: end-to-end latency and loss (the default)"},
    {"report", Scenario::report, "Print or merge the JSON results of earlier runs (--json)"},
}};

// The connection options mqbench shares with mqpub and mqsub, but -c is the client count here,
// -h and -A take lists, -i/-I name many clients, reconnecting is not a load test's business (it
// counts a lost connection), and Nagle's algorithm is off unless --nagle. --inflight and --bind
// are extra names of -M and -A. WebSockets and proxies as in mqpub and mqsub: the engine's
// loops drive the relays.
void add_connection_group(CLI::App& app, ClientOptions& client) {
  add_broker_connection_options(
      app, client.connection,
      ConnectionGroupWords{
          .host = "Broker host; a,b,c spreads the clients over several round-robin",
          .bind_address_names = "-A,--bind-address,--bind",
          .bind_address = "Local address(es) to connect from; a,b spreads the clients round-robin",
          .id = "Client id template: %i is the client's number (0, 1, ...)",
          .id_prefix = "Client id prefix; the client's number is appended",
          .session_expiry =
              "Session expiry in seconds, -1 for never (MQTT v5) [default: -1 with --no-clean, else 0]",
          .max_inflight_names = "-M,--max-inflight,--inflight",
          .max_inflight =
              "Messages each publisher has in flight at once (QoS 1/2 unacknowledged, QoS 0 unwritten)",
          .nodelay_by_default = true,
          .reconnects = false});
  add_auth_options(app, client.auth);
  add_tls_options(app, client.tls);
  add_transport_options(app, client.transport);
  add_log_options(app, client.log);
}

void add_common_load_options(CLI::App& app, LoadOptions& load, const char* clients_help) {
  app.add_option("-c,--clients", load.clients, clients_help)
      ->check(whole_number(1, 1'000'000))
      ->group(load_group);
  app.add_option("--threads", load.threads, "Event-loop threads [default: one per core]")
      ->check(whole_number(1, 1024))
      ->default_str("")
      ->group(load_group);
  app.add_option("--conn-rate", load.conn_rate,
                 "Connections started per second; 0: as fast as the broker takes them")
      ->check(real_number(0.0, 1e9))
      ->group(load_group);
  auto* clean = app.add_flag_callback(
                       "--clean", [&load] { load.clean = true; },
                       "Start each client with a clean session (the default)")
                    ->group(load_group);
  app.add_flag_callback(
         "--no-clean", [&load] { load.clean = false; },
         "Keep each client's session on the broker (persistent)")
      ->excludes(clean)
      ->group(load_group);
}

// conn --churn: the reconnect storm a broker meets after a network blip, while the rest are held.
void add_churn_options(CLI::App& app, LoadOptions& load) {
  auto* churn = app.add_option("--churn", load.churn,
                               "While holding, close and reopen this many connections per second in all "
                               "(round-robin over the held ones)")
                    ->check(real_number(0.001, 1e9))
                    ->group(load_group);
  app.add_option_function<std::string>(
         "--churn-close",
         [&load](const std::string& name) {
           load.churn_close = name == "disconnect" ? ChurnClose::disconnect : ChurnClose::drop;
         },
         "How --churn closes a connection: drop the TCP connection without DISCONNECT (a network "
         "blip: the broker publishes the will) or disconnect cleanly first")
      ->check(one_of({"drop", "disconnect"}))
      ->option_text("drop|disconnect [drop]")
      ->needs(churn)
      ->group(load_group);
}

void add_timing_options(CLI::App& app, LoadOptions& load, bool publishes) {
  auto* duration = app.add_option("--duration", load.duration,
                                  publishes ? "Seconds to measure [default: 10, or until --count]"
                                            : "Seconds to receive [default: until Ctrl-C or --count]")
                       ->check(real_number(0.001, 1e9))
                       ->group(load_group);
  app.add_option("--count", load.count,
                 publishes ? "Messages to send in all, spread over the publishers"
                           : "Stop after receiving this many messages in all")
      ->check(whole_number(1, std::int64_t{1} << 53))
      ->excludes(duration)
      ->group(load_group);
  if (!publishes) return;
  app.add_option("--warmup", load.warmup, "Seconds of publishing before measuring (not counted)")
      ->check(real_number(0.0, 1e9))
      ->group(load_group);
  app.add_option("--ramp", load.ramp, "Seconds over which the publishers start one after another")
      ->check(real_number(0.0, 1e9))
      ->group(load_group);
}

void add_publish_options(CLI::App& app, MessageOptions& message) {
  app.add_option("-t,--topic", message.topic,
                 "Topic template: %i the publisher's number, %c its client id [default: mqbench/%i]")
      ->group(message_group);
  app.add_option("-q,--qos", message.qos, "Quality of service of publishes and subscriptions: 0, 1 or 2")
      ->check(whole_number(0, 2))
      ->group(message_group);
  app.add_option("-s,--size", message.size, "Payload size in bytes (at least 32: the timing stamp)")
      ->check(whole_number(32, 256 * 1024 * 1024))
      ->group(message_group);
  auto* rate =
      app.add_option("--rate", message.rate, "Messages per second per publisher; 0: as fast as possible")
          ->check(real_number(0.0, 1e9))
          ->group(message_group);
  app.add_option("--total-rate", message.total_rate, "Messages per second for all publishers together")
      ->check(real_number(0.001, 1e12))
      ->excludes(rate)
      ->group(message_group);
  app.add_flag("-r,--retain", message.retain, "Publish retained messages")->group(message_group);
  app.add_option("--user-property", message.user_properties, "MQTT v5 user property NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->group(message_group);
  app.add_option("--message-expiry", message.message_expiry, "MQTT v5 message expiry interval in seconds")
      ->check(whole_number(0, std::int64_t{UINT32_MAX}))
      ->group(message_group);
}

void add_subscribe_options(CLI::App& app, MessageOptions& message) {
  app.add_option("-t,--topic", message.topic,
                 "Filter template: %i the subscriber's number, %c its client id [default: mqbench/#]")
      ->group(message_group);
  app.add_option("-q,--qos", message.qos, "Quality of service of the subscriptions: 0, 1 or 2")
      ->check(whole_number(0, 2))
      ->group(message_group);
}

void add_pattern_option(CLI::App& app, MessageOptions& message) {
  app.add_option_function<std::string>(
         "--pattern",
         [&message](const std::string& name) {
           static const std::map<std::string, Pattern> patterns{
               {"pairs", Pattern::pairs}, {"fan-in", Pattern::fan_in}, {"fan-out", Pattern::fan_out}};
           message.pattern = patterns.at(name);
         },
         "pairs: publisher i to subscriber i; fan-in: all to one subscriber; fan-out: one to all")
      ->check(one_of({"pairs", "fan-in", "fan-out"}))
      ->option_text("pairs|fan-in|fan-out [pairs]")
      ->group(message_group);
}

void add_output_options(CLI::App& app, OutputOptions& output) {
  app.add_option("--json", output.json,
                 "Write the whole result as JSON to FILE ('-': stdout, instead of the table)")
      ->group(output_group);
  app.add_option("--csv", output.csv,
                 "Write a CSV row per second (with --find-max: per step) to FILE ('-': stdout)")
      ->group(output_group);
  app.add_option("--html", output.html,
                 "Write a report with plots to FILE, one HTML page readable offline ('-': stdout)")
      ->group(output_group);
  app.add_option("--fail-p99", output.fail_p99, "Exit 11 if the p99 latency is above MS milliseconds")
      ->check(real_number(0.0, 1e12))
      ->group(output_group);
  app.add_option("--fail-loss", output.fail_loss, "Exit 11 if more than N messages (or P% of them) were lost")
      ->group(output_group);
  app.add_option("--fail-rate", output.fail_rate, "Exit 11 if the rate is below MSGS per second")
      ->check(real_number(0.0, 1e12))
      ->group(output_group);
  app.add_option("--fail-errors", output.fail_errors,
                 "Exit 11 if there were more than N errors (failed connects, lost connections, refusals)")
      ->check(whole_number(0, std::int64_t{1} << 53))
      ->group(output_group);
}

// --find-max and how it steps; --duration and --count belong to a single run, and conn's -c,
// --hold and --churn too: a conn step opens its rate × --step-duration connections and holds none.
void add_search_options(CLI::App& app, SearchOptions& search, Scenario scenario) {
  CLI::Option* find_max =
      app.add_flag("--find-max", search.find_max,
                   scenario == Scenario::conn
                       ? "Search for the highest connect rate that meets the --fail-* limits, in steps"
                       : "Search for the highest total rate that meets the --fail-* limits, in steps")
          ->group(search_group);
  for (const char* single_run : scenario == Scenario::conn
                                    ? std::vector<const char*>{"--clients", "--hold", "--churn"}
                                    : std::vector<const char*>{"--duration", "--count"})
    find_max->excludes(single_run);
  app.add_option("--step-duration", search.step_duration, "Seconds each --find-max step measures")
      ->check(real_number(1, 86'400))
      ->needs(find_max)
      ->capture_default_str()
      ->group(search_group);
  app.add_option("--precision", search.precision,
                 "--find-max stops when the failing rate is within PERCENT above the passing one")
      ->check(real_number(0.1, 100))
      ->needs(find_max)
      ->capture_default_str()
      ->group(search_group);
}

void add_metrics_options(CLI::App& app, MetricsOptions& endpoint) {
  CLI::Option* port =
      app.add_option("--metrics-port", endpoint.port,
                     "Serve Prometheus metrics at http://HOST:PORT/metrics while the run lasts; 0: a free "
                     "port, printed on stderr")
          ->check(whole_number(0, 65535))
          ->group(metrics_group);
  app.add_option("--metrics-bind", endpoint.bind,
                 "Address the metrics endpoint listens on, such as 127.0.0.1 [default: every address]")
      ->needs(port)
      ->group(metrics_group);
}

void add_run_id_options(CLI::App& app, ShardOptions& shards) {
  app.add_option("--run-id", shards.run_id,
                 "Names the run in its results and coordination topics [default: SCENARIO-UTCTIME-HASH]")
      ->group(shard_group);
  app.add_option("--run-prefix", shards.run_prefix,
                 "Topic prefix of the coordination topics [default: mqbench/_run/ID/]")
      ->group(shard_group);
}

// A run split over processes (on several machines), started together, its results gathered
// through the broker.
void add_shard_options(CLI::App& app, ShardOptions& shards) {
  app.add_option("--shard", shards.shard,
                 "This process is shard K of N: -c, --count, --total-rate are the whole run's; "
                 "/N takes K from JOB_COMPLETION_INDEX+1 (Kubernetes Indexed Job), as does "
                 "MQBENCH_SHARDS=N without --shard")
      ->option_text("K/N")
      ->group(shard_group);
  add_run_id_options(app, shards);
  app.add_flag("--barrier", shards.barrier,
               "Once connected, announce this shard ready and start when all N shards are")
      ->group(shard_group);
  app.add_option("--start-at", shards.start_at,
                 "Start the load at TIME (RFC 3339 or Unix seconds; after the barrier with --barrier)")
      ->option_text("TIME")
      ->group(shard_group);
  app.add_option("--barrier-timeout", shards.barrier_timeout,
                 "Seconds to wait for the other shards at the barrier (then exit 3)")
      ->check(real_number(0.1, 1e6))
      ->capture_default_str()
      ->group(shard_group);
  app.add_flag(
         "--publish-result", shards.publish_result,
         "At the end, publish the JSON result (QoS 1, retained) on PREFIX result/K for report --collect")
      ->group(shard_group);
}

void add_collect_options(CLI::App& app, ShardOptions& shards) {
  CLI::Option* collect =
      app.add_flag("--collect", shards.collect,
                   "Gather the results the shards of --run-id published on the broker (-h) and merge them")
          ->group(shard_group);
  app.add_option("--shards", shards.shards, "How many shards' results --collect waits for")
      ->check(whole_number(1, 100'000))
      ->needs(collect)
      ->group(shard_group);
  add_run_id_options(app, shards);
  app.add_flag("--keep", shards.keep, "Leave the collected results retained on the broker")
      ->needs(collect)
      ->group(shard_group);
  app.add_option("--timeout", shards.timeout,
                 "Seconds --collect waits for every shard's result (then exit 8)")
      ->check(real_number(0.1, 1e6))
      ->capture_default_str()
      ->needs(collect)
      ->group(shard_group);
}

const char* clients_help(Scenario scenario) {
  switch (scenario) {
  case Scenario::conn:
    return "Connections to open";
  case Scenario::pub:
    return "Publishers";
  case Scenario::sub:
    return "Subscribers";
  default:
    return "Publisher-subscriber pairs; with fan-in the publishers, with fan-out the subscribers";
  }
}

void add_scenario(CLI::App& app, Options& options, const SubcommandInfo& info) {
  CLI::App* command = app.add_subcommand(info.name, info.description);
  command->parse_complete_callback([&options, scenario = info.scenario] { options.scenario = scenario; });
  if (info.scenario == Scenario::report) {
    command->add_option("files", options.output.report_files, "JSON results written by mqbench --json")
        ->option_text("FILE...");
    add_output_options(*command, options.output);
    add_collect_options(*command, options.shards);
    add_connection_group(*command, options.client);
    return;
  }
  add_common_load_options(*command, options.load, clients_help(info.scenario));
  if (info.scenario == Scenario::conn) {
    command
        ->add_option("--hold", options.load.hold, "Seconds to hold the connections [default: until Ctrl-C]")
        ->check(real_number(0.0, 1e9))
        ->group(load_group);
    add_churn_options(*command, options.load);
    add_will_options(*command, options.client.will);  // what a dropped connection leaves behind
  } else {
    add_timing_options(*command, options.load, info.scenario != Scenario::sub);
  }
  if (info.scenario == Scenario::sub)
    add_subscribe_options(*command, options.message);
  else if (info.scenario != Scenario::conn)
    add_publish_options(*command, options.message);
  if (info.scenario == Scenario::pubsub) add_pattern_option(*command, options.message);
  add_output_options(*command, options.output);
  if (info.scenario != Scenario::sub) add_search_options(*command, options.search, info.scenario);
  add_metrics_options(*command, options.metrics);
  add_shard_options(*command, options.shards);
  add_connection_group(*command, options.client);
}

}  // namespace

Limits OutputOptions::limits() const {
  Limits limits;
  limits.p99_ms = fail_p99;
  if (fail_loss) limits.loss = parse_loss_limit(*fail_loss);
  limits.rate = fail_rate;
  limits.errors = fail_errors;
  return limits;
}

std::string ShardOptions::prefix(const std::string& id) const {
  return run_prefix.value_or(fmt::format("mqbench/_run/{}/", id));
}

void add_options(CLI::App& app, Options& options) {
  for (const SubcommandInfo& info : subcommands)
    add_scenario(app, options, info);
  app.require_subcommand(1, 1);
}

}  // namespace mq::bench
