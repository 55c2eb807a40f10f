#include "sub.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mqtt_protocol.h>

#include "mq/diagnostics.hpp"
#include "mq/output.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"

namespace mq::sub {
namespace {

constexpr const char* subscribe_group = "Subscription";
constexpr const char* output_group = "Output";

// Writes a message the way mosquitto_sub does: the payload, or "topic payload" with -v; an
// empty payload prints nothing, or "topic (null)" with -v.
void print_plain(OutputBuffer& out, const Message& message, bool verbose) {
  if (verbose) {
    out.append(message.topic);
    out.append(message.payload.empty() ? std::string_view{" (null)"} : std::string_view{" "});
  } else if (message.payload.empty()) {
    return;
  }
  out.append(message.payload);
  out.append('\n');
}

// Receives for mqsub: subscribes on every CONNACK, prints, counts, and checks the SUBACK.
class Receiver : public SessionEvents {
public:
  Receiver(const Options& options, std::vector<std::string> filters)
      : options_(options), filters_(std::move(filters)) {}

  void attach(Session& session) { session_ = &session; }
  bool done() const {
    return out_.reader_gone() || (options_.subscribe.count && received_ >= *options_.subscribe.count);
  }
  void finish() { out_.flush(); }

  void on_connected(const ConnackInfo&) override {
    subscribe_mid_ = session_->subscribe(filters_, options_.subscribe.qos);
  }

  void on_subscribed(int mid, std::span<const int> granted) override {
    if (mid != subscribe_mid_) return;
    for (std::size_t i = 0; i < granted.size() && i < filters_.size(); ++i) {
      if (granted[i] >= 0x80) session_->fail(refusal(filters_[i], granted[i]));
    }
    diag::debug("subscribed to {}", fmt::join(filters_, ", "));
  }

  void on_message(const Message& message) override {
    if (done()) return;
    print_plain(out_, message, options_.output.verbose);
    ++received_;
  }

  void on_input_drained() override { out_.flush(); }

private:
  Error refusal(const std::string& filter, int code) const {
    const bool v5 = session_->protocol() == ProtocolVersion::v5;
    return Error{exit_for_reason(v5 ? code : MQTT_RC_NOT_AUTHORIZED),
                 fmt::format("the broker refused the subscription to '{}' ({})", filter,
                             reason_text(code, ProtocolVersion::v5)),
                 v5 ? "the broker's access control or limits do not allow this filter"
                    : fmt::format("{} reports only 'failure'; usually the ACL does not allow this filter",
                                  protocol_name(session_->protocol())),
                 "check the broker's ACL for this user and filter"};
  }

  const Options& options_;
  std::vector<std::string> filters_;
  Session* session_ = nullptr;
  OutputBuffer out_;
  int subscribe_mid_ = -1;
  int received_ = 0;
};

std::vector<std::string> resolve_filters(const Options& options) {
  std::vector<std::string> filters = options.subscribe.topics;
  if (options.client.url_topic) filters.push_back(*options.client.url_topic);
  if (filters.empty())
    throw usage_error("no topic to subscribe to", "add -t FILTER (for example -t 'sensors/#')");
  for (const std::string& filter : filters)
    check_topic_filter(filter, "--topic");
  return filters;
}

std::optional<Clock::time_point> deadline_after(std::optional<double> timeout) {
  if (!timeout) return std::nullopt;
  return Clock::now() + mq::seconds(*timeout);
}

}  // namespace

void add_subscribe_options(CLI::App& app, SubscribeOptions& subscribe) {
  app.add_option("-t,--topic", subscribe.topics, "Topic filter to subscribe to (repeatable)")
      ->group(subscribe_group);
  app.add_option("-q,--qos", subscribe.qos, "Quality of service to subscribe with: 0, 1 or 2")
      ->check(CLI::Range(0, 2))
      ->group(subscribe_group);
  app.add_option("-C,--count", subscribe.count, "Exit after this many messages")
      ->check(CLI::PositiveNumber)
      ->group(subscribe_group);
  app.add_option("-W,--timeout", subscribe.timeout,
                 "Give up after this many seconds from connecting (exit 8)")
      ->check(CLI::Range(0.001, 1e9))
      ->group(subscribe_group);
}

void add_output_options(CLI::App& app, OutputOptions& output) {
  app.add_flag("-v,--verbose", output.verbose, "Print the topic before each payload")->group(output_group);
}

Exit run(Options& options) {
  finalize_client_options(options.client);
  Receiver receiver{options, resolve_filters(options)};
  Session session{options.client, receiver};
  receiver.attach(session);
  session.connect();
  const LoopExit exit =
      session.run_until([&] { return receiver.done(); }, deadline_after(options.subscribe.timeout));
  receiver.finish();
  session.disconnect();
  if (exit == LoopExit::interrupted) throw interrupted_error(StopSignals::received());
  if (exit == LoopExit::timed_out)
    throw Error{Exit::timeout, fmt::format("Timed out after {} s (-W)", *options.subscribe.timeout),
                options.subscribe.count ? "fewer messages arrived than -C asked for" : "", ""};
  return Exit::ok;
}

}  // namespace mq::sub
