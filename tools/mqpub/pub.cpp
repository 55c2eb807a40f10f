#include "pub.hpp"

#include <fmt/format.h>

#include <map>

#include "mq/diagnostics.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"

namespace mq::pub {
namespace {

constexpr const char* message_group = "Message";

// Follows one message from publish() to its acknowledgement (QoS 1/2) or its write (QoS 0).
// libmosquitto may finish a QoS 0 publish inside publish() itself, before its mid is known
// here, so completions are kept until the caller asks about them.
class Delivery : public SessionEvents {
public:
  void expect(int mid) { mid_ = mid; }
  bool done() const { return completed_.contains(mid_); }
  int reason_code() const { return done() ? completed_.at(mid_) : 0; }

  void on_publish_done(int mid, int reason_code) override { completed_[mid] = reason_code; }

private:
  int mid_ = -1;
  std::map<int, int> completed_;
};

std::string resolve_topic(const Options& options) {
  if (options.message.topic) return *options.message.topic;
  if (options.client.url_topic) return *options.client.url_topic;
  throw usage_error("no topic to publish to", "add -t TOPIC (or give one in -L mqtt://host/TOPIC)");
}

}  // namespace

void add_message_options(CLI::App& app, MessageOptions& message) {
  app.add_option("-t,--topic", message.topic, "Topic to publish to")->group(message_group);
  auto* text = app.add_option("-m,--message", message.message, "Payload to send")->group(message_group);
  app.add_flag("-n,--null-message", message.null_message, "Send an empty payload")
      ->excludes(text)
      ->group(message_group);
  app.add_option("-q,--qos", message.qos, "Quality of service: 0, 1 or 2")
      ->check(CLI::Range(0, 2))
      ->group(message_group);
  app.add_flag("-r,--retain", message.retain, "Ask the broker to retain the message")->group(message_group);
}

Exit run(Options& options) {
  finalize_client_options(options.client);
  const std::string topic = resolve_topic(options);
  check_topic_name(topic, "--topic");
  if (!options.message.message && !options.message.null_message)
    throw usage_error("no message to publish", "add -m MESSAGE, or -n for an empty message");
  const std::string payload = options.message.message.value_or("");

  Delivery delivery;
  Session session{options.client, delivery};
  session.connect();
  delivery.expect(session.publish(topic, payload, options.message.qos, options.message.retain));
  if (session.run_until([&] { return delivery.done(); }) == LoopExit::interrupted)
    throw interrupted_error(StopSignals::received());
  if (delivery.reason_code() >= 0x80)
    throw publish_refused_error(topic, delivery.reason_code(), session.protocol());
  diag::debug("the broker has the message to '{}'", topic);
  if (const std::string note = unconfirmed_publish_note(session.protocol(), options.message.qos);
      !note.empty())
    diag::debug("{}", note);
  session.disconnect();
  return Exit::ok;
}

}  // namespace mq::pub
