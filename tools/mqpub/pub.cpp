#include "pub.hpp"

#include <fmt/format.h>

#include <chrono>

#include "mq/diagnostics.hpp"
#include "mq/option_checks.hpp"
#include "mq/pacer.hpp"
#include "mq/property_options.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/socket_buffers.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"
#include "publisher.hpp"
#include "source.hpp"

namespace mq::pub {
namespace {

constexpr const char* message_group = "Message";
constexpr const char* source_group = "Message source (exactly one)";
constexpr const char* pacing_group = "Pacing";
constexpr auto settle_after_signal = std::chrono::seconds(2);
// By default, reconnect for about half a minute before giving up (0.1 s doubling to 5 s).
constexpr int default_reconnect_attempts = 10;

// Moves messages from the source to the publisher as room, pacing and input allow. Message k is
// due at start + k / rate (the pacer of every tool), so a loop that wakes late, as one waiting in
// whole milliseconds does at high rates, sends every message due by then.
class Pump {
public:
  Pump(MessageSource& source, Publisher& publisher, const Options& options, Clock::time_point start)
      : source_(source), publisher_(publisher), schedule_(pacing_rate(options.pacing), start),
        catch_up_(catch_up_messages(options.pacing)), fallback_(publish_properties(options)) {}

  // One turn of the loop: publish everything that is due; says when to come back.
  std::optional<Clock::time_point> turn() {
    const Clock::time_point now = Clock::now();
    schedule_.limit_backlog(now, catch_up_);
    try {
      while (!stopped() && publisher_.has_room() && schedule_.due(now)) {
        std::optional<Outgoing> message = source_.next();
        if (!message) break;
        publisher_.publish(*message, fallback_);
        schedule_.take(now);
      }
    } catch (const Error& failure) {
      if (failure.code() != Exit::usage) throw;
      input_error_ = failure;  // stop reading; what was sent is still waited for
    }
    if (schedule_.unlimited() || schedule_.due(now)) return std::nullopt;
    return schedule_.next_time();
  }
  bool stopped() const { return input_error_ || publisher_.stopped() || source_.exhausted(); }
  bool finished() const { return stopped() && publisher_.settled(); }
  bool wants_input() const { return !stopped() && publisher_.has_room() && source_.wants_input(); }
  const std::optional<Error>& input_error() const { return input_error_; }

private:
  MessageSource& source_;
  Publisher& publisher_;
  Schedule schedule_;
  std::uint64_t catch_up_;
  Properties fallback_;
  std::optional<Error> input_error_;
};

// The topic of -t or -L, checked before connecting (an empty one too); empty with --json-lines
// when the lines bring their own.
std::string resolve_topic(const Options& options) {
  if (options.message.topic) {
    check_topic_name(*options.message.topic, "--topic");
    return *options.message.topic;
  }
  if (options.client.url_topic) {
    check_topic_name(*options.client.url_topic, "the topic of -L");
    return *options.client.url_topic;
  }
  if (options.source.json_lines) return {};
  throw usage_error("no topic to publish to", "add -t TOPIC (or give one in -L mqtt://host/TOPIC)");
}

void check_source(const SourceOptions& source) {
  const int given = source.message.has_value() + source.file.has_value() + source.stdin_file +
                    source.stdin_lines + source.null_message;
  if (given == 0)
    throw usage_error("no message to publish", "add -m MESSAGE, -f FILE, -s, -l, or -n for an empty message");
  if (source.json_lines && !source.stdin_lines)
    throw usage_error("--json-lines describes the lines of -l", "add -l and send one JSON object per line");
}

Error with_counts(const Error& failure, const DeliveryCounts& counts) {
  return Error{
      failure.code(), failure.what(),
      fmt::format("{}{}messages: {}", failure.cause(), failure.cause().empty() ? "" : "; ", counts.text()),
      failure.fix()};
}

// The connection failed for good while messages were unacknowledged: exit 9 with the counts.
Error incomplete_error(const Error& failure, const DeliveryCounts& counts) {
  return Error{Exit::incomplete,
               fmt::format("{} of {} messages were not acknowledged: {}", counts.unacknowledged(),
                           counts.sent, failure.what()),
               fmt::format("{}; messages: {}", failure.cause(), counts.text()), failure.fix()};
}

}  // namespace

void add_message_options(CLI::App& app, MessageOptions& message) {
  app.add_option("-t,--topic", message.topic, "Topic to publish to")->group(message_group);
  app.add_option("-q,--qos", message.qos, "Quality of service: 0, 1 or 2")
      ->check(whole_number(0, 2))
      ->group(message_group);
  app.add_flag("-r,--retain", message.retain, "Ask the broker to retain the message")->group(message_group);
  add_encode_option(app, message.encode, message_group);
}

void add_source_options(CLI::App& app, SourceOptions& source) {
  std::vector<CLI::Option*> sources = add_whole_message_options(app, source, source_group);
  auto* lines = app.add_flag("-l,--stdin-line", source.stdin_lines,
                             "Publish each line of standard input as a message (read after connecting)")
                    ->group(source_group);
  for (CLI::Option* whole : sources)
    lines->excludes(whole);
  app.add_flag("--json-lines", source.json_lines,
               "With -l: each line is a JSON object {topic, payload|payload_base64, qos, retain, properties}")
      ->group(source_group);
}

void add_pacing_options(CLI::App& app, PacingOptions& pacing) {
  app.add_option("--repeat", pacing.repeat, "Publish -m/-f/-s/-n this many times")
      ->check(whole_number(1, 1'000'000'000))
      ->group(pacing_group);
  app.add_option("--repeat-delay", pacing.repeat_delay, "Seconds between repeated messages")
      ->check(real_number(0.0, 86400.0))
      ->group(pacing_group);
  app.add_option("--rate", pacing.rate, "Publish at most this many messages per second (-l, --repeat)")
      ->check(real_number(0.001, 1e9))
      ->group(pacing_group);
}

double pacing_rate(const PacingOptions& pacing) {
  double interval = pacing.repeat_delay;
  if (pacing.rate) interval = std::max(interval, 1.0 / *pacing.rate);
  return interval > 0 ? 1.0 / interval : 0;
}

// A small bound: 0.1 s of the schedule, enough for a loop that wakes a few milliseconds late.
std::uint64_t catch_up_messages(const PacingOptions& pacing) {
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(pacing_rate(pacing) * 0.1));
}

void add_property_options(CLI::App& app, Options& options) {
  add_property_option(
      app, PropertyTargets{&options.client.connection.connect_properties, &options.message.properties,
                           nullptr, nullptr, &options.client.connection.disconnect_properties,
                           &options.client.will.properties, &options.client.connection.requires_v5});
}

Exit run(const Options& options) {
  check_source(options.source);
  const std::string topic = resolve_topic(options);
  if (options.pacing.repeat > 1 && options.source.stdin_lines)
    throw usage_error("--repeat repeats -m, -f, -s or -n, not -l", "drop --repeat");
  const std::unique_ptr<MessageSource> source = make_source(options, topic);

  Publisher publisher{options.client.connection.max_inflight, *source};
  StopSignals::install();  // from here on, Ctrl-C ends with a clean shutdown and exit 130
  Session session{options.client, publisher};
  publisher.attach(session);
  session.set_reconnect_policy(
      ReconnectPolicy{options.client.connection.reconnect_attempts.value_or(default_reconnect_attempts)});
  session.enable_socket_buffers(process_socket_buffers());  // PUBACKs: one read() for many, not four each
  session.connect();

  Pump pump{*source, publisher, options, Clock::now()};
  LoopExtras extras;
  extras.watches.push_back(
      {source->input_fd(), [&] { return pump.wants_input(); }, [&] { source->read_input(); }});
  extras.each_turn = [&] { return pump.turn(); };
  LoopExit exit = LoopExit::done;
  try {
    exit = session.run_until([&] { return pump.finished(); }, std::nullopt, &extras);
    if (exit == LoopExit::interrupted)
      session.finish_until([&] { return publisher.settled(); }, Clock::now() + settle_after_signal);
  } catch (const Error& failure) {
    const DeliveryCounts& counts = publisher.counts();
    if (counts.unacknowledged() != 0) throw incomplete_error(failure, counts);
    if (counts.sent != 0) throw with_counts(failure, counts);
    throw;
  }
  const DeliveryCounts& counts = publisher.counts();
  diag::debug("messages: {}", counts.text());
  if (const std::string note = unconfirmed_publish_note(session.protocol(), options.message.qos);
      !note.empty())
    diag::debug("{}", note);
  session.disconnect();
  if (exit == LoopExit::interrupted) throw with_counts(interrupted_error(StopSignals::received()), counts);
  if (publisher.refusal()) throw with_counts(*publisher.refusal(), counts);
  if (pump.input_error()) throw with_counts(*pump.input_error(), counts);
  if (counts.not_encoded != 0)
    throw Error{Exit::usage,
                fmt::format("{} {} not published: --encode {} could not convert {}", counts.not_encoded,
                            counts.not_encoded == 1 ? "line was" : "lines were",
                            format_name(*options.message.encode), counts.not_encoded == 1 ? "it" : "them"),
                fmt::format("the warnings above name each line and say why; messages: {}", counts.text()),
                "make each line one JSON value the format can hold, and publish those lines again"};
  if (counts.lost != 0)
    throw Error{Exit::incomplete,
                fmt::format("{} QoS 0 messages were lost with a broken connection", counts.lost),
                fmt::format("messages: {}", counts.text()), "use -q 1 for messages that must arrive"};
  return Exit::ok;
}

}  // namespace mq::pub
