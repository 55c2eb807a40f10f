#include "sub.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>

#include "mq/diagnostics.hpp"
#include "mq/json_output.hpp"
#include "mq/local_time.hpp"
#include "mq/message_decoding.hpp"
#include "mq/option_checks.hpp"
#include "mq/output.hpp"
#include "mq/property_options.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/socket_buffers.hpp"
#include "mq/text.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"
#include "sys_dashboard.hpp"

namespace mq::sub {
namespace {

constexpr const char* subscribe_group = "Subscription";
constexpr const char* output_group = "Output";
constexpr const char* sys_filter = "$SYS/#";
constexpr int default_receive_maximum = 20;  // libmosquitto's, and MQTT's usual
constexpr auto reader_check_interval = std::chrono::milliseconds(200);
constexpr auto message_rate_interval = std::chrono::seconds(1);
// Output waits at most this long for more messages to share its write: a stream of messages
// costs one write per batch instead of one per message, and a reader still sees each message
// within a few milliseconds of its arrival.
constexpr auto flush_delay = std::chrono::milliseconds(2);
// And input from a steady stream is read at most once a millisecond (see Session::coalesce_reads).
constexpr auto read_window = std::chrono::milliseconds(1);

// Which of the received messages are printed: -T, -R and --random-filter.
class Selection {
public:
  explicit Selection(const SubscribeOptions& options)
      : filter_out_(options.filter_out), no_retained_(options.no_retained),
        keep_per_million_(options.random_filter ? static_cast<std::uint32_t>(*options.random_filter * 1e4)
                                                : 0),
        random_(std::random_device{}()) {}

  /// -T: the message is not printed, counted nor removed.
  bool filtered_out(const Message& message) const {
    for (const std::string& filter : filter_out_) {
      bool matches = false;
      mosquitto_topic_matches_sub2(filter.data(), filter.size(), message.topic.data(), message.topic.size(),
                                   &matches);
      if (matches) return true;
    }
    return false;
  }

  /// -R and --random-filter: the message is not printed.
  bool skipped(const Message& message) {
    if (no_retained_ && message.retain) return true;
    return keep_per_million_ != 0 &&
           std::uniform_int_distribution<std::uint32_t>{0, 999999}(random_) >= keep_per_million_;
  }

private:
  std::vector<std::string> filter_out_;
  bool no_retained_;
  std::uint32_t keep_per_million_;  // 0: keep everything
  std::minstd_rand random_;
};

std::string broker_name(const ClientOptions& client) {
  return client.connection.unix_socket.value_or(client.connection.host);
}

// Receives for mqsub: subscribes on every CONNACK, checks the SUBACK, selects and prints
// messages, removes retained ones, and knows when the run is complete.
class Receiver : public SessionEvents {
public:
  Receiver(const Options& options, std::vector<std::string> filters)
      : options_(options), filters_(std::move(filters)), selection_(options.subscribe),
        writer_(options.output, broker_name(options.client)) {
    if (options.output.decode) decoder_.emplace(*options.output.decode);
    if (options.output.sys) {
      const bool terminal = isatty(STDOUT_FILENO) == 1 && !options.output.json;
      dashboard_.emplace(broker_name(options.client), sys_snapshots(), terminal, options.output.pretty);
    }
    out_.append(writer_.preamble());
  }

  void attach(Session& session) { session_ = &session; }

  bool done() {
    if (out_.reader_gone() || reader_left()) return true;
    if (removals_.size() > 0 && !failed_removal_) return false;  // the broker must have them first
    if (options_.subscribe.exit_after_subscribe && acknowledged_ && pending_requests_.empty()) return true;
    if (dashboard_) return dashboard_->finished();
    return stopping_;
  }

  /// Runs on_timer() if a timer is due; returns when the next one is.
  std::optional<Clock::time_point> run_due_timers(Clock::time_point now) {
    if (const auto due = next_timer(); due && now >= *due) on_timer(now);
    return next_timer();
  }

  void finish() { out_.flush(); }

  /// The warning that ends a run in which --decode could not decode every payload, or "".
  std::string undecodable_summary() const { return decoder_ ? mq::undecodable_summary(*decoder_) : ""; }

  /// -W expired. Returns whether a stale $SYS snapshot was written: only retained values came.
  bool on_timeout() {
    if (!dashboard_ || !dashboard_->only_retained()) return false;
    dashboard_->write_stale(scratch_);
    out_.append(scratch_);
    scratch_.clear();
    return true;
  }

  // After a reconnect too: a clean session has lost its subscriptions, and a persistent one
  // is told again (as mosquitto_sub does), which the broker takes as no change.
  void on_connected(const ConnackInfo& connack) override {
    const SubscribeOptions& subscribe = options_.subscribe;
    const bool v5 = connack.protocol == ProtocolVersion::v5;
    if (connections_++ > 0 && !filters_.empty())
      diag::info(fmt::format("subscribing again to {}{}", fmt::join(filters_, ", "),
                             connack.session_present ? " (the broker kept the session)" : ""));
    pending_requests_.clear();
    if (!filters_.empty())
      pending_requests_.insert(session_->subscribe(
          filters_, subscribe.qos,
          v5 ? subscription_options(subscribe.retain, subscribe.no_retained && !subscribe.remove_retained)
             : 0,
          v5 ? subscribe.subscribe_properties.get() : nullptr));
    if (!subscribe.unsubscribe.empty())
      pending_requests_.insert(session_->unsubscribe(subscribe.unsubscribe,
                                                     v5 ? subscribe.unsubscribe_properties.get() : nullptr));
    next_rate_tick_ = Clock::now() + message_rate_interval;
  }

  void on_connection_lost() override { out_.flush(); }

  void on_subscribed(int mid, std::span<const int> granted) override {
    if (pending_requests_.erase(mid) == 0) return;
    for (std::size_t i = 0; i < granted.size() && i < filters_.size(); ++i) {
      if (granted[i] >= 0x80) session_->fail(refusal(filters_[i], granted[i]));
    }
    acknowledged_ = true;
    diag::debug("subscribed to {}", fmt::join(filters_, ", "));
  }

  void on_unsubscribed(int mid) override {
    if (pending_requests_.erase(mid) == 0) return;
    acknowledged_ = true;
    diag::debug("unsubscribed from {}", fmt::join(options_.subscribe.unsubscribe, ", "));
  }

  void on_publish_done(int mid, int reason_code) override {
    const auto removal = removals_.find(mid);
    if (removal == removals_.end()) return;
    if (reason_code >= 0x80) {
      failed_removal_ = true;
      session_->fail(Error{exit_for_reason(reason_code),
                           fmt::format("the broker refused to remove the retained message on '{}' ({})",
                                       removal->second, reason_text(reason_code, ProtocolVersion::v5)),
                           "--remove-retained publishes an empty retained message, which this client may not",
                           "check the broker's ACL for publishing to this topic"});
    }
    removals_.erase(removal);
    if (stopping_ && removals_.empty()) session_->request_disconnect();
  }

  void on_message(const Message& message) override {
    ++rate_count_;
    if (options_.output.message_rate || stopping_) return;
    if (dashboard_) {
      dashboard_->add(message.topic, message.payload, message.retain, Clock::now());
      return;
    }
    if (options_.subscribe.retained_only && !message.retain) {
      stop();  // the first fresh message ends --retained-only
      return;
    }
    if (selection_.filtered_out(message)) return;
    if (options_.subscribe.remove_retained && message.retain) remove_retained(message.topic);
    if (selection_.skipped(message)) return;
    print(message);
  }

  void on_input_drained() override {
    if (out_.pending() > 0 && !flush_due_) flush_due_ = Clock::now() + flush_delay;
  }

private:
  /// When on_timer() must run next: a message-rate tick or a $SYS burst settling.
  std::optional<Clock::time_point> next_timer() const {
    if (dashboard_) return earliest(flush_due_, dashboard_->timer());
    if (options_.output.message_rate) return earliest(flush_due_, next_rate_tick_);
    return flush_due_;
  }

  void on_timer(Clock::time_point now) {
    if (flush_due_ && now >= *flush_due_) {
      flush_due_.reset();
      out_.flush();
    }
    if (dashboard_) dashboard_->on_timer(now, scratch_);
    if (options_.output.message_rate && now >= next_rate_tick_) {
      scratch_ += fmt::format("{} msgs/s\n", rate_count_);
      rate_count_ = 0;
      next_rate_tick_ += message_rate_interval;
    }
    if (scratch_.empty()) return;
    out_.append(scratch_);
    scratch_.clear();
    out_.flush();
  }

  std::optional<int> sys_snapshots() const {
    if (options_.subscribe.count) return options_.subscribe.count;
    if (options_.subscribe.timeout) return 1;  // --sys -W: one snapshot, a health check
    return std::nullopt;
  }

  void print(const Message& message) {
    const timespec when = writer_.needs_time() ? wall_clock_now() : timespec{};
    std::string& buffer = out_.buffer();
    const std::optional<DecodedPayload> decoded =
        decoder_ ? decode_message(*decoder_, message) : std::nullopt;
    writer_.write(message, when, buffer, problem_, decoded ? &*decoded : nullptr);
    out_.flush_if_full();
    if (!problem_.empty()) {
      diag::warning(problem_);
      problem_.clear();
    }
    if (options_.subscribe.count && ++printed_ >= *options_.subscribe.count) stop();
  }

private:
  // Ends the run. DISCONNECT goes out at once, ahead of the acknowledgement of any message that
  // arrives meanwhile (libmosquitto writes its packets in order and closes the connection after
  // the DISCONNECT): a persistent session keeps those for the next run. Removals of retained
  // messages must be acknowledged first.
  void stop() {
    stopping_ = true;
    if (removals_.empty()) session_->request_disconnect();
  }

  void remove_retained(std::string_view topic) {
    const std::string name{topic};
    removals_.emplace(session_->publish(name, "", 1, true), name);
    diag::debug("removing the retained message on '{}'", name);
  }

  // A closed pipe is noticed at the next write; without traffic, look at stdout now and then.
  bool reader_left() {
    const auto now = Clock::now();
    if (now < next_reader_check_) return false;
    next_reader_check_ = now + reader_check_interval;
    return out_.check_reader_gone();
  }

  Error refusal(const std::string& filter, int code) const {
    return subscribe_refused_error(filter, code, session_->protocol());
  }

  const Options& options_;
  std::vector<std::string> filters_;
  Selection selection_;
  MessageWriter writer_;
  std::optional<SysDashboard> dashboard_;
  Session* session_ = nullptr;
  OutputBuffer out_;
  std::string scratch_;
  std::string problem_;
  std::optional<PayloadDecoder> decoder_;  // --decode
  std::set<int> pending_requests_;         // SUBSCRIBE and UNSUBSCRIBE awaiting their ack
  std::map<int, std::string> removals_;    // --remove-retained publishes awaiting PUBACK
  bool acknowledged_ = false;
  bool failed_removal_ = false;
  bool stopping_ = false;
  int connections_ = 0;
  int printed_ = 0;
  long rate_count_ = 0;
  Clock::time_point next_rate_tick_{};
  Clock::time_point next_reader_check_{};
  std::optional<Clock::time_point> flush_due_;
};

bool persistent_session(const ConnectionOptions& connection) {
  return !connection.clean_session || connection.session_expiry.value_or(0) != 0;
}

// -C taking QoS 2 messages from a persistent session: exact only with one in flight at a time
// (see receive_maximum), which only MQTT v5 can ask for.
bool qos2_count_from_session(const Options& options) {
  return options.subscribe.count && options.subscribe.qos == 2 && !options.output.sys &&
         persistent_session(options.client.connection);
}

// How many QoS 1 and 2 messages the broker may send before one is acknowledged (MQTT v5), for
// -C; nullopt: the session's default. Once -C is reached no message after the last one printed
// is acknowledged (see Receiver::stop). libmosquitto, though, acknowledges a QoS 2 message
// (PUBREC) when it arrives and hands it over only at PUBREL: one that arrived but was not yet
// released when the last message was printed would be lost to a persistent session (the broker
// then only repeats the PUBREL). One QoS 2 message at a time rules that out. (A larger maximum
// would not: mosquitto 2.0 sends up to twice as many, and repeats them all when the session
// resumes, which libmosquitto takes as a protocol error.)
std::optional<int> receive_maximum(const Options& options) {
  const std::optional<int>& count = options.subscribe.count;
  if (!count || options.output.sys) return std::nullopt;
  if (qos2_count_from_session(options)) return 1;
  // Like mosquitto_sub: below the usual receive maximum, no more at once than will be printed.
  if (*count < default_receive_maximum) return *count;
  return std::nullopt;
}

std::optional<Clock::time_point> deadline_after(std::optional<double> timeout) {
  if (!timeout) return std::nullopt;
  return Clock::now() + mq::seconds(*timeout);
}

// -W expired: "Timed out", as mosquitto_sub says, and what was missing. `stale_sys`: --sys
// got only the broker's retained values, and printed them marked stale.
Error timed_out(const Options& options, bool stale_sys) {
  const std::string what = fmt::format("Timed out after {} s (-W)", *options.subscribe.timeout);
  if (stale_sys)
    return Error{Exit::timeout, what,
                 "the broker published no $SYS update since mqsub connected; the snapshot printed holds its "
                 "retained values (\"live\": false), which may be one sys_interval old",
                 "give -W more seconds than the broker's sys_interval (mosquitto: 10 s unless configured)"};
  if (options.output.sys)
    return Error{
        Exit::timeout, what, "no complete $SYS update arrived",
        "check that the broker publishes $SYS (mosquitto: sys_interval > 0) and lets this client read it"};
  if (options.subscribe.count)
    return Error{Exit::timeout, what,
                 fmt::format("fewer than the {} messages of -C arrived", *options.subscribe.count)};
  return Error{Exit::timeout, what};
}

void check_filters(const std::vector<std::string>& filters, std::string_view option) {
  for (const std::string& filter : filters)
    check_topic_filter(filter, option);
}

void check_v5_only(const Options& options) {
  const auto& protocol = options.client.connection.protocol;
  if (!protocol || *protocol == ProtocolVersion::v5) return;
  const char* option = options.subscribe.retain.v5_option_given();
  if (option)
    throw usage_error(fmt::format("{} needs MQTT v5, but -V asks for {}", option, protocol_name(*protocol)),
                      "drop -V or use -V 5");
  if (qos2_count_from_session(options))
    throw usage_error(
        fmt::format("-C with -q 2 and a persistent session needs MQTT v5, but -V asks for {}",
                    protocol_name(*protocol)),
        "drop -V or use -V 5, or use -q 1: over MQTT v3 the broker may send more QoS 2 messages than -C "
        "takes, and those would be lost with the session");
}

void check_sys(const Options& options) {
  if (!options.output.sys) return;
  const SubscribeOptions& subscribe = options.subscribe;
  const OutputOptions& output = options.output;
  const std::pair<bool, const char*> conflicts[] = {
      {!subscribe.topics.empty() || options.client.url_topic.has_value(), "-t"},
      {!subscribe.filter_out.empty(), "-T"},
      {!subscribe.unsubscribe.empty(), "-U"},
      {subscribe.no_retained, "-R"},
      {subscribe.retained_only, "--retained-only"},
      {subscribe.remove_retained, "--remove-retained"},
      {subscribe.random_filter.has_value(), "--random-filter"},
      // The live updates must arrive as such, after the whole retained tree.
      {subscribe.retain.retain_as_published, "--retain-as-published"},
      {subscribe.retain.retain_handling.has_value(), "--retain-handling"},
      {subscribe.exit_after_subscribe, "-E"},
      {output.format.has_value(), "-F"},
      {output.verbose, "-v"},
      {output.no_end_of_line, "-N"},
      {output.watch, "-w"},
      {output.decode.has_value(), "--decode"},
  };
  for (const auto& [given, option] : conflicts) {
    if (given)
      throw usage_error(fmt::format("--sys cannot be combined with {}", option),
                        "--sys subscribes to $SYS/# itself and prints its own dashboard or JSON");
  }
}

}  // namespace

void add_subscribe_options(CLI::App& app, SubscribeOptions& subscribe) {
  app.add_option("-t,--topic", subscribe.topics, "Topic filter to subscribe to (repeatable)")
      ->group(subscribe_group);
  app.add_option("-T,--filter-out", subscribe.filter_out,
                 "Do not print messages whose topic matches this filter (repeatable)")
      ->group(subscribe_group);
  app.add_option("-U,--unsubscribe", subscribe.unsubscribe,
                 "Topic filter to unsubscribe from, after subscribing (repeatable)")
      ->group(subscribe_group);
  app.add_option("-q,--qos", subscribe.qos, "Quality of service to subscribe with: 0, 1 or 2")
      ->check(whole_number(0, 2))
      ->group(subscribe_group);
  app.add_option("-C,--count", subscribe.count, "Exit after printing this many messages")
      ->check(whole_number(1, INT32_MAX))
      ->group(subscribe_group);
  app.add_option("-W,--timeout", subscribe.timeout,
                 "Give up after this many seconds from connecting (exit 8)")
      ->check(real_number(0.001, 1e9))
      ->group(subscribe_group);
  app.add_flag("-E", subscribe.exit_after_subscribe, "Exit once the broker acknowledged the subscriptions")
      ->group(subscribe_group);
  auto* no_retained = app.add_flag("-R", subscribe.no_retained, "Do not print retained (stale) messages")
                          ->group(subscribe_group);
  app.add_flag("--retained-only", subscribe.retained_only,
               "Print only retained messages; exit at the first message that is not")
      ->excludes(no_retained)
      ->group(subscribe_group);
  app.add_flag("--remove-retained", subscribe.remove_retained,
               "Clear each retained message received (not those filtered out by -T)")
      ->group(subscribe_group);
  app.add_option("--random-filter", subscribe.random_filter,
                 "Print only this percentage of the messages, at random")
      ->check(real_number(0.1, 100.0))
      ->group(subscribe_group);
  add_retain_options(app, subscribe.retain, subscribe_group);
}

void add_output_options(CLI::App& app, OutputOptions& output) {
  add_print_options(app, output, output_group);
  add_decode_option(app, output.decode, output_group);
  auto* json = app.get_option("--json");
  auto* format = app.get_option("--format");
  auto* verbose = app.get_option("--verbose");
  auto* no_eol = app.get_option("-N");
  auto* watch = app.add_flag("-w,--watch", output.watch,
                             "Print each topic on its own line of the terminal, rewritten in place")
                    ->excludes(json)
                    ->group(output_group);
  app.add_flag("--message-rate", output.message_rate,
               "Print the number of messages received each second instead")
      ->excludes(format)
      ->excludes(verbose)
      ->excludes(no_eol)
      ->excludes(json)
      ->excludes(watch)
      ->group(output_group);
  app.add_flag("--sys", output.sys,
               "Show the broker's $SYS figures as a live dashboard (JSON when not on a terminal)")
      ->group(output_group);
}

std::vector<std::string> check_options(const Options& options) {
  check_sys(options);
  if (options.output.message_rate && options.subscribe.count)
    throw usage_error("--message-rate cannot be combined with -C",
                      "--message-rate prints counts, not messages");
  if (options.output.message_rate && options.output.decode)
    throw usage_error("--message-rate cannot be combined with --decode",
                      "--message-rate prints counts, not messages");
  check_v5_only(options);
  check_filters(options.subscribe.filter_out, "--filter-out");
  check_filters(options.subscribe.unsubscribe, "--unsubscribe");
  if (options.output.format) MessageWriter{options.output, ""};  // a bad -F is a usage error now
  if (options.output.sys) return {sys_filter};
  std::vector<std::string> filters = options.subscribe.topics;
  if (options.client.url_topic) filters.push_back(*options.client.url_topic);
  if (filters.empty() && options.subscribe.unsubscribe.empty())
    throw usage_error("no topic to subscribe to",
                      "add -t FILTER (for example -t 'sensors/#'), -U FILTER to unsubscribe, or --sys");
  check_filters(filters, "--topic");
  return filters;
}

void add_property_options(CLI::App& app, Options& options) {
  ClientOptions& client = options.client;
  add_property_option(app, PropertyTargets{&client.connection.connect_properties, nullptr,
                                           &options.subscribe.subscribe_properties,
                                           &options.subscribe.unsubscribe_properties,
                                           &client.connection.disconnect_properties, &client.will.properties,
                                           &client.connection.requires_v5});
}

void require_v5_for_subscription_options(Options& options) {
  if (options.subscribe.retain.v5_option_given() || qos2_count_from_session(options))
    options.client.connection.requires_v5 = true;
}

Exit run(const Options& options) {
  Receiver receiver{options, check_options(options)};
  StopSignals::install();  // from here on, Ctrl-C ends with a clean shutdown and exit 130
  Session session{options.client, receiver};
  receiver.attach(session);
  // Like mosquitto_sub, keep reconnecting (and resubscribing) unless told otherwise; -W still
  // ends the run, and -C counts across connections.
  session.set_reconnect_policy(ReconnectPolicy{options.client.connection.reconnect_attempts.value_or(-1)});
  if (const std::optional<int> maximum = receive_maximum(options))
    mosquitto_int_option(session.native(), MOSQ_OPT_RECEIVE_MAXIMUM, *maximum);
  // The broker must have the acknowledgement of every message printed before mqsub exits, or it
  // delivers those messages again to the next run of a persistent session.
  session.linger_on_disconnect();
  session.enable_socket_buffers(process_socket_buffers());
  session.coalesce_reads(read_window);
  session.connect();

  // The receiver's timers (a flush, a message-rate tick, a $SYS burst settling) run in the
  // session's loop, which wakes for the earliest; -W is the loop's deadline.
  LoopExtras extras;
  extras.each_turn = [&receiver] { return receiver.run_due_timers(Clock::now()); };
  const LoopExit exit = session.run_until([&receiver] { return receiver.done(); },
                                          deadline_after(options.subscribe.timeout), &extras);
  const bool stale_sys = exit == LoopExit::timed_out && receiver.on_timeout();
  receiver.finish();
  session.disconnect();
  if (const std::string summary = receiver.undecodable_summary(); !summary.empty()) diag::warning(summary);
  if (exit == LoopExit::interrupted) throw interrupted_error(StopSignals::received());
  if (exit == LoopExit::timed_out) throw timed_out(options, stale_sys);
  return Exit::ok;
}

}  // namespace mq::sub
