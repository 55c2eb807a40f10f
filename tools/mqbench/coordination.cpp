#include "coordination.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>

#include <map>
#include <set>

#include "mq/diagnostics.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"

namespace mq::bench {
namespace {

// What the coordination connection hears: the messages on the run's topics by topic, and the
// broker's answers to its requests.
class Inbox : public SessionEvents {
public:
  void on_message(const Message& message) override {
    if (!message.payload.empty()) messages[std::string{message.topic}] = std::string{message.payload};
  }
  void on_subscribed(int, std::span<const int> granted) override {
    subscribed = true;
    refused = !granted.empty() && granted.front() >= 0x80;
  }
  void on_publish_done(int mid, int reason_code) override {
    acknowledged.insert(mid);
    if (reason_code >= 0x80) refused = true;
  }

  std::map<std::string, std::string> messages;
  std::set<int> acknowledged;
  bool subscribed = false;
  bool refused = false;
};

// The shard number K of a topic PREFIX.../K, when it is one of `shards`.
std::optional<std::uint32_t> shard_of_topic(const std::string& topic, std::uint32_t shards) {
  const std::size_t slash = topic.rfind('/');
  try {
    const unsigned long index = std::stoul(topic.substr(slash + 1));
    if (index >= 1 && index <= shards && std::to_string(index) == topic.substr(slash + 1))
      return static_cast<std::uint32_t>(index);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string missing_shards(const std::set<std::uint32_t>& arrived, std::uint32_t shards) {
  std::vector<std::uint32_t> missing;
  for (std::uint32_t k = 1; k <= shards; ++k)
    if (!arrived.contains(k)) missing.push_back(k);
  constexpr std::size_t named = 20;
  if (missing.size() <= named) return fmt::format("{}", fmt::join(missing, ", "));
  return fmt::format("{}, ... ({} in all)", fmt::join(missing.begin(), missing.begin() + named, ", "),
                     missing.size());
}

void subscribe(Session& session, Inbox& inbox, const std::string& filter) {
  inbox.subscribed = false;
  session.subscribe({filter}, 1);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
  session.run_until([&] { return inbox.subscribed; }, deadline);
  if (!inbox.subscribed || inbox.refused)
    throw Error{Exit::authorization, fmt::format("the broker did not let mqbench subscribe to '{}'", filter),
                "the shards of a run meet on these coordination topics",
                "allow the clients to read and write under the run's prefix (--run-prefix)"};
}

// Publishes each (topic, payload) retained at QoS 1 and waits for every acknowledgement.
void publish_retained(Session& session, Inbox& inbox,
                      const std::vector<std::pair<std::string, std::string>>& messages) {
  std::set<int> mids;
  for (const auto& [topic, payload] : messages)
    mids.insert(session.publish(topic, payload, 1, true));
  const auto all_acknowledged = [&] {
    return std::all_of(mids.begin(), mids.end(), [&](int mid) { return inbox.acknowledged.contains(mid); });
  };
  // Also after a stop signal: a result half published would be lost.
  if (!session.finish_until(all_acknowledged, Clock::now() + std::chrono::seconds(30)) || inbox.refused)
    throw Error{Exit::incomplete,
                fmt::format("the broker did not acknowledge the coordination messages under '{}'",
                            messages.front().first.substr(0, messages.front().first.rfind('/') + 1)),
                inbox.refused ? "it refused them" : "no PUBACK came within 30 s",
                "allow the clients to write under the run's prefix (--run-prefix), and check the broker"};
}

}  // namespace

ClientOptions coordination_connection(ClientOptions connection, const std::string& id) {
  if (connection.connection.client_id.empty() && connection.connection.id_prefix.empty())
    connection.connection.client_id = id;
  connection.connection.clean_session = true;
  connection.connection.session_expiry.reset();
  return connection;
}

RunTopics run_topics(const std::string& prefix) {
  if (prefix.empty() || prefix.back() != '/')
    throw usage_error(fmt::format("--run-prefix '{}' does not end in '/'", prefix),
                      "give a topic prefix ending in '/', such as mqbench/_run/ID/");
  RunTopics topics{prefix};
  check_topic_name(topics.ready(1), "--run-prefix");
  return topics;
}

std::string coordination_client_id(const std::string& run_id, const char* role, std::uint32_t shard) {
  return fmt::format("mqbench-{:08x}-{}-{}", run_tag_of(run_id), role, shard);
}

bool wait_for_shards(ClientOptions connection, const RunTopics& topics, Shard shard,
                     std::chrono::duration<double> timeout) {
  Inbox inbox;
  Session session{connection, inbox};
  session.connect();
  subscribe(session, inbox, topics.all_ready());
  publish_retained(session, inbox,
                   {{topics.ready(shard.index), fmt::format(R"({{"shard":"{}"}})", shard.text())}});
  std::set<std::uint32_t> ready;
  const auto everyone_ready = [&] {
    for (const auto& [topic, payload] : inbox.messages) {
      const auto index = shard_of_topic(topic, UINT32_MAX);
      const nlohmann::json announced = nlohmann::json::parse(payload, nullptr, false);
      if (!index || !announced.is_object() || !announced.contains("shard") || !announced["shard"].is_string())
        continue;
      const std::string text = announced["shard"];
      if (text != Shard{*index, shard.count}.text())
        throw usage_error(
            fmt::format("'{}' announces shard {}, but this shard is {}", topic, text, shard.text()),
            "give every shard of a run the same N in --shard K/N (and its own K), or "
            "another --run-id");
      ready.insert(*index);
    }
    return ready.size() >= shard.count;
  };
  const LoopExit exit =
      session.run_until(everyone_ready, Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  const bool all_ready = exit != LoopExit::interrupted && everyone_ready();
  // A shard that gives up withdraws, so that a later start of the same run does not count it.
  if (!all_ready) publish_retained(session, inbox, {{topics.ready(shard.index), ""}});
  session.disconnect();
  if (exit == LoopExit::interrupted) return false;
  const std::size_t missing = shard.count - ready.size();
  if (!all_ready)
    throw Error{Exit::network,
                fmt::format("{} of {} shards were ready within --barrier-timeout {} s", ready.size(),
                            shard.count, timeout.count()),
                fmt::format("{} {} never announced {} on '{}'", missing == 1 ? "shard" : "shards",
                            missing_shards(ready, shard.count), missing == 1 ? "itself" : "themselves",
                            topics.all_ready()),
                "start every shard with the same --run-id, --shard /N and broker, or give a longer "
                "--barrier-timeout"};
  return true;
}

bool wait_until(std::chrono::system_clock::time_point time) {
  if (std::chrono::system_clock::now() >= time) {
    diag::warning("the time of --start-at has passed: starting now");
    return true;
  }
  while (std::chrono::system_clock::now() < time) {
    if (StopSignals::received() != 0) return false;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(time - std::chrono::system_clock::now());
    pollfd stop{StopSignals::fd(), POLLIN, 0};
    poll(&stop, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
  }
  return StopSignals::received() == 0;
}

void end_shard(ClientOptions connection, const RunTopics& topics, Shard shard, bool barrier,
               const std::optional<std::string>& result) {
  std::vector<std::pair<std::string, std::string>> messages;
  if (result) messages.emplace_back(topics.result(shard.index), *result);
  if (barrier) messages.emplace_back(topics.ready(shard.index), "");
  if (messages.empty()) return;
  Inbox inbox;
  Session session{connection, inbox};
  session.connect();
  publish_retained(session, inbox, messages);
  session.disconnect();
}

std::vector<Results> collect_results(ClientOptions connection, const RunTopics& topics,
                                     const std::string& run_id, std::uint32_t shards,
                                     std::chrono::duration<double> timeout) {
  Inbox inbox;
  const ClientOptions options =
      coordination_connection(std::move(connection), coordination_client_id(run_id, "collect", shards));
  Session session{options, inbox};
  session.connect();
  subscribe(session, inbox, topics.all_results());
  std::map<std::uint32_t, Results> results;
  std::set<std::uint32_t> arrived;
  const auto all_arrived = [&] {
    for (auto& [topic, payload] : inbox.messages) {
      const auto index = shard_of_topic(topic, shards);
      if (!index || results.contains(*index)) continue;
      const nlohmann::json document = nlohmann::json::parse(payload, nullptr, false);
      Results part = results_from_json(document, topic);
      if (part.run_id != run_id || !part.shard || part.shard->index != *index || part.shard->count != shards)
        throw usage_error(
            fmt::format("'{}' holds the result of shard {} of run '{}', not of shard {}/{} of '{}'", topic,
                        part.shard ? part.shard->text() : "(none)", part.run_id, *index, shards, run_id),
            "give report --collect the --run-id and --shards of the run");
      results.emplace(*index, std::move(part));
      arrived.insert(*index);
    }
    inbox.messages.clear();
    return results.size() >= shards;
  };
  const LoopExit exit =
      session.run_until(all_arrived, Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  session.disconnect();
  if (exit == LoopExit::interrupted) throw interrupted_error(StopSignals::received());
  if (results.size() < shards)
    throw Error{Exit::timeout,
                fmt::format("{} of {} shards' results of run '{}' arrived within --timeout {} s",
                            results.size(), shards, run_id, timeout.count()),
                fmt::format("{} {} published nothing on '{}'",
                            shards - arrived.size() == 1 ? "shard" : "shards",
                            missing_shards(arrived, shards), topics.all_results()),
                "run every shard with --publish-result and the same --run-id, wait for it to finish, or "
                "give a longer --timeout"};
  std::vector<Results> ordered;
  for (auto& [index, part] : results)
    ordered.push_back(std::move(part));
  return ordered;
}

void clear_run(ClientOptions connection, const RunTopics& topics, const std::string& run_id,
               std::uint32_t shards) {
  Inbox inbox;
  const ClientOptions options =
      coordination_connection(std::move(connection), coordination_client_id(run_id, "clear", shards));
  Session session{options, inbox};
  session.connect();
  std::vector<std::pair<std::string, std::string>> messages;
  for (std::uint32_t k = 1; k <= shards; ++k) {
    messages.emplace_back(topics.result(k), "");
    messages.emplace_back(topics.ready(k), "");
  }
  publish_retained(session, inbox, messages);
  session.disconnect();
}

}  // namespace mq::bench
