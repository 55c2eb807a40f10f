#include <fmt/format.h>
#include <mqtt_protocol.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "mq/diagnostics.hpp"
#include "mq/local_time.hpp"
#include "mq/message_decoding.hpp"
#include "mq/message_encoding.hpp"
#include "mq/output.hpp"
#include "mq/packet_size.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/translate.hpp"
#include "round_trips.hpp"
#include "rr.hpp"

namespace mq::rr {
namespace {

constexpr std::size_t correlation_bytes = 16;

// A fresh random Correlation Data for each request, from the kernel's generator.
std::string new_correlation_data() {
  std::string bytes(correlation_bytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno != EINTR)
      throw Error{Exit::internal,
                  fmt::format("cannot make a random Correlation Data: {}", std::strerror(errno))};
    if (n > 0) filled += static_cast<std::size_t>(n);
  }
  return bytes;
}

// -D publish's properties, with the content type of --encode's format unless -D gives one.
Properties request_properties(const Options& options) {
  Properties properties = options.request.publish_properties;
  if (options.request.encode) add_content_type(properties, *options.request.encode);
  return properties;
}

// The requester: subscribes to -e on every CONNACK, publishes each request once subscribed, and
// takes the first message on -e that carries the request's Correlation Data (MQTT v5), or simply
// the first message (v3.1.1, which has no properties), as its response.
class Requester : public SessionEvents {
public:
  Requester(const Options& options, std::string payload)
      : options_(options), topic_(topic_of(options)), response_topic_(*options.request.response_topic),
        payload_(std::move(payload)), writer_(options.print, "") {
    if (options.print.decode) decoder_.emplace(*options.print.decode);
  }

  void attach(Session& session) { session_ = &session; }

  bool done() const { return answered_ == wanted() || timed_out_ || out_.reader_gone(); }
  bool timed_out() const { return timed_out_; }
  const RoundTrips& round_trips() const { return round_trips_; }

  /// Sends the next request when its interval has passed, and notices -W; returns when it next
  /// has something to do.
  std::optional<Clock::time_point> each_turn(Clock::time_point now) {
    if (subscribed_ && !outstanding_ && next_request_at_ && now >= *next_request_at_) send_request(now);
    if (deadline_ && now >= *deadline_) timed_out_ = true;
    return earliest(next_request_at_, deadline_);
  }

  void start(Clock::time_point now) {
    if (options_.request.timeout) deadline_ = now + seconds(*options_.request.timeout);
  }

  // After a reconnect too: a clean session lost the subscription. A request in flight is sent
  // again with the same Correlation Data once subscribed, so that either answer counts.
  void on_connected(const ConnackInfo& connack) override {
    v5_ = connack.protocol == ProtocolVersion::v5;
    if (!v5_ && !warned_v311_) {
      warned_v311_ = true;
      diag::warning(
          fmt::format("without MQTT v5 a response cannot be matched to its request: the first message on "
                      "'{}' is taken as the response",
                      response_topic_));
    }
    subscribed_ = false;
    subscribe_mid_ = session_->subscribe(
        {response_topic_}, options_.topic.qos,
        v5_ ? subscription_options(options_.request.retain, options_.request.no_retained) : 0,
        v5_ ? options_.request.subscribe_properties.get() : nullptr);
  }

  void on_subscribed(int mid, std::span<const int> granted) override {
    if (mid != subscribe_mid_) return;
    if (!granted.empty() && granted[0] >= 0x80) {
      session_->fail(subscribe_refused_error(response_topic_, granted[0], session_->protocol()));
      return;
    }
    diag::debug("subscribed to {}", response_topic_);
    subscribed_ = true;
    if (outstanding_) {
      publish(*outstanding_);
    } else if (!next_request_at_) {
      next_request_at_ = Clock::now();
    }
  }

  void on_publish_done(int mid, int reason_code) override {
    if (mid != request_mid_ || reason_code < 0x80) return;
    session_->fail(publish_refused_error(topic_, reason_code, session_->protocol()));
  }

  void on_message(const Message& message) override {
    if (!outstanding_ || message.topic != response_topic_) return;
    if (options_.request.no_retained && message.retain) return;
    if (v5_ && !answers_request(message)) {
      ++skipped_;
      diag::debug("skipped a message on {} whose correlation data is not this request's ({} so far)",
                  response_topic_, skipped_);
      return;
    }
    const Clock::time_point now = Clock::now();
    round_trips_.add(now - sent_at_);
    print(message);
    outstanding_.reset();
    ++answered_;
    deadline_.reset();
    if (answered_ == wanted()) return;
    next_request_at_ = now + seconds(options_.request.interval);
  }

  /// -W expired: which request went unanswered, and what else came.
  Error timeout_error() const {
    std::string cause =
        answered_ == 0 && !outstanding_
            ? fmt::format("the request was never sent: the subscription to '{}' was not acknowledged",
                          response_topic_)
            : fmt::format("no response to {} arrived on '{}'", request_name(), response_topic_);
    if (skipped_ > 0)
      cause += fmt::format("; {} message{} on it carried another request's correlation data", skipped_,
                           skipped_ == 1 ? "" : "s");
    return Error{
        Exit::timeout, fmt::format("Timed out after {} s (-W)", *options_.request.timeout), cause,
        fmt::format("check that a responder serves '{}' and answers on the Response Topic, or give -W more "
                    "seconds",
                    topic_)};
  }

  void finish() {
    out_.flush();
    if (decoder_)
      if (const std::string summary = undecodable_summary(*decoder_); !summary.empty())
        diag::warning(summary);
  }

private:
  struct Request {
    std::string correlation_data;
    Properties properties;
  };

  int wanted() const { return options_.request.repeat.value_or(1); }

  std::string request_name() const {
    if (wanted() == 1) return "the request";
    return fmt::format("request {} of {}", answered_ + 1, wanted());
  }

  bool answers_request(const Message& message) const {
    const std::optional<ReadProperty> correlation =
        find_property(message.properties, MQTT_PROP_CORRELATION_DATA);
    return correlation && correlation->bytes.view() == outstanding_->correlation_data;
  }

  void send_request(Clock::time_point now) {
    next_request_at_.reset();
    Request request;
    if (v5_) {
      request.correlation_data = new_correlation_data();
      request.properties = request_properties(options_);
      request.properties.add_string(MQTT_PROP_RESPONSE_TOPIC, response_topic_);
      request.properties.add_binary(MQTT_PROP_CORRELATION_DATA, request.correlation_data);
    }
    outstanding_ = std::move(request);
    if (options_.request.timeout && answered_ > 0) deadline_ = now + seconds(*options_.request.timeout);
    sent_at_ = now;
    publish(*outstanding_);
  }

  void publish(const Request& request) {
    PublishResult result = session_->try_publish(topic_, payload_, options_.topic.qos, false,
                                                 v5_ ? request.properties.get() : nullptr);
    if (result.refused) {
      session_->fail(*result.refused);
      return;
    }
    request_mid_ = result.mid;
    diag::debug("sent {} to {}", request_name(), topic_);
  }

  void print(const Message& message) {
    const timespec when = writer_.needs_time() ? wall_clock_now() : timespec{};
    const std::optional<DecodedPayload> decoded =
        decoder_ ? decode_message(*decoder_, message) : std::nullopt;
    writer_.write(message, when, out_.buffer(), problem_, decoded ? &*decoded : nullptr);
    out_.flush();
    if (!problem_.empty()) {
      diag::warning(problem_);
      problem_.clear();
    }
  }

  const Options& options_;
  std::string topic_;
  std::string response_topic_;
  std::string payload_;
  MessageWriter writer_;
  std::optional<PayloadDecoder> decoder_;  // --decode
  OutputBuffer out_;
  std::string problem_;
  Session* session_ = nullptr;
  bool v5_ = true;
  bool warned_v311_ = false;
  bool subscribed_ = false;
  int subscribe_mid_ = -1;
  int request_mid_ = -1;
  std::optional<Request> outstanding_;                // sent, not yet answered
  std::optional<Clock::time_point> next_request_at_;  // when the next request goes
  std::optional<Clock::time_point> deadline_;         // -W of the request being waited for
  Clock::time_point sent_at_{};
  int answered_ = 0;
  long skipped_ = 0;
  bool timed_out_ = false;
  RoundTrips round_trips_;
};

// The most payload the request can carry: its topic, QoS, -D publish properties, and the
// Response Topic and Correlation Data mqrr adds.
std::size_t max_request_payload(const Options& options, const std::string& topic) {
  Properties properties = request_properties(options);
  properties.add_string(MQTT_PROP_RESPONSE_TOPIC, *options.request.response_topic);
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, std::string(correlation_bytes, '\0'));
  return max_payload(PublishShape{topic.size(), 0, options.topic.qos,
                                  options.client.connection.protocol.value_or(ProtocolVersion::v5),
                                  properties.get()});
}

void print_round_trips(const Options& options, const Requester& requester) {
  if (!options.request.repeat) return;
  diag::info(requester.round_trips().text());
  if (options.print.json) write_stdout(requester.round_trips().json() + "\n");
}

}  // namespace

Exit request(const Options& options) {
  const std::string topic = topic_of(options);
  WholeMessage request = read_encoded_message(options.request.message, options.request.encode,
                                              max_request_payload(options, topic), topic);
  Requester requester{options, std::move(request.payload)};
  StopSignals::install();  // from here on, Ctrl-C ends with a clean shutdown and exit 130
  Session session{options.client, requester};
  requester.attach(session);
  session.set_reconnect_policy(ReconnectPolicy{options.client.connection.reconnect_attempts.value_or(0)});
  requester.start(Clock::now());
  session.connect();

  LoopExtras extras;
  extras.each_turn = [&requester] { return requester.each_turn(Clock::now()); };
  const LoopExit exit = session.run_until([&requester] { return requester.done(); }, std::nullopt, &extras);
  requester.finish();
  session.disconnect();
  print_round_trips(options, requester);
  if (exit == LoopExit::interrupted) throw interrupted_error(StopSignals::received());
  if (requester.timed_out()) throw requester.timeout_error();
  return Exit::ok;
}

}  // namespace mq::rr
