#include <fmt/format.h>
#include <mqtt_protocol.h>
#include <nlohmann/json.hpp>
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "command_job.hpp"
#include "mq/diagnostics.hpp"
#include "mq/packet_size.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/text.hpp"
#include "mq/topic.hpp"
#include "mq/translate.hpp"
#include "rr.hpp"

namespace mq::rr {
namespace {

// Ctrl-C lets the running commands finish for this long when no --job-timeout bounds them.
constexpr auto default_finish_grace = std::chrono::seconds(60);
// The most of a failed command's error line an answer carries (the "error" user property).
constexpr std::size_t answered_error_bytes = 1024;

// One request as the responder keeps it until its answer is published.
struct Request {
  std::uint64_t number = 0;  // 1 for the first request received
  std::string topic;
  std::string response_topic;
  std::string correlation_data;  // empty: none
  int qos = 0;
  JobInput job;
};

// A finished job and the request it answers.
struct Answer {
  Request request;
  JobOutcome outcome;
};

// The environment a command gets: the request's topic, QoS, retain flag, and its v5 properties.
std::vector<std::string> request_environment(const Message& message, const std::string& response_topic,
                                             const std::string& correlation_data) {
  std::vector<std::string> variables{
      "MQ_TOPIC=" + std::string{message.topic},
      fmt::format("MQ_QOS={}", message.qos),
      fmt::format("MQ_RETAIN={}", message.retain ? 1 : 0),
      "MQ_RESPONSE_TOPIC=" + response_topic,
      "MQ_CORRELATION_DATA=" + hex(correlation_data),
  };
  nlohmann::json user_properties = nlohmann::json::array();
  for (const ReadProperty& property : read_properties(message.properties)) {
    if (property.identifier == MQTT_PROP_CONTENT_TYPE)
      variables.push_back("MQ_CONTENT_TYPE=" + std::string{property.bytes.view()});
    if (property.identifier == MQTT_PROP_USER_PROPERTY)
      user_properties.push_back({std::string{property.pair_name.view()}, std::string{property.bytes.view()}});
  }
  variables.push_back("MQ_USER_PROPERTIES=" +
                      user_properties.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return variables;
}

// `text` cut to at most `limit` bytes, at the start of a UTF-8 sequence.
std::string utf8_prefix(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text;
}

// What an answer carries besides the output: -D publish's properties, the request's Correlation
// Data, and for a failed command its exit code and (the start of) its error line.
Properties answer_properties(const Properties& publish_properties, const std::string& correlation_data,
                             const JobOutcome& outcome) {
  Properties properties = publish_properties;
  if (!correlation_data.empty()) properties.add_binary(MQTT_PROP_CORRELATION_DATA, correlation_data);
  if (!outcome.succeeded()) {
    properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "exit-code", std::to_string(outcome.exit_code));
    properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "error",
                               utf8_prefix(printable(outcome.error_line), answered_error_bytes));
  }
  return properties;
}

// The most output an answer to `request` can carry: what a PUBLISH to its Response Topic holds
// beside the properties of a failed command's answer, the largest it sends.
std::size_t output_limit(const Properties& publish_properties, const std::string& response_topic,
                         const std::string& correlation_data, int qos, ProtocolVersion protocol) {
  JobOutcome failed;
  failed.exit_code = 255;
  failed.error_line.assign(answered_error_bytes, 'x');
  const Properties largest = answer_properties(publish_properties, correlation_data, failed);
  return max_payload(PublishShape{response_topic.size(), 0, qos, protocol, largest.get()});
}

// --reply-topic with {topic} replaced by the request's topic.
std::string reply_topic_for(const std::string& pattern, std::string_view topic) {
  std::string result = pattern;
  for (std::size_t at = result.find("{topic}"); at != std::string::npos;
       at = result.find("{topic}", at + topic.size()))
    result.replace(at, 7, topic);
  return result;
}

// Runs the commands of --serve, up to --jobs at once, each on a thread of its own that only
// waits for its process; the session's loop learns of finished jobs through an eventfd.
class JobPool {
public:
  explicit JobPool(int jobs)
      : capacity_(static_cast<std::size_t>(jobs)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~JobPool() {
    cancel_ = true;
    for (auto& [id, thread] : threads_)
      thread.join();
    ::close(wake_);
  }
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  /// Readable when a job finished.
  int wake_fd() const { return wake_; }
  bool has_room() const { return running_ < capacity_; }
  std::size_t running() const { return running_; }

  void start(Request request) {
    ++running_;
    std::thread worker{[this, request = std::move(request)]() mutable {
      JobOutcome outcome = run_command(request.job, cancel_);
      const std::lock_guard lock{mutex_};
      finished_.push_back(
          Finished{std::this_thread::get_id(), Answer{std::move(request), std::move(outcome)}});
      const std::uint64_t one = 1;
      [[maybe_unused]] const ssize_t written = ::write(wake_, &one, sizeof one);
    }};
    // Before the job can be taken as finished: take_finished() runs on this thread too.
    const std::thread::id id = worker.get_id();
    threads_.emplace(id, std::move(worker));
  }

  /// The jobs that finished since the last call; their threads are joined (each ends right after
  /// posting its answer), so that a busy service keeps only the threads of running jobs.
  std::vector<Answer> take_finished() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(wake_, &count, sizeof count);
    std::vector<Finished> done;
    {
      const std::lock_guard lock{mutex_};
      done.swap(finished_);
    }
    std::vector<Answer> answers;
    for (Finished& job : done) {
      const auto thread = threads_.find(job.thread);
      thread->second.join();
      threads_.erase(thread);
      answers.push_back(std::move(job.answer));
    }
    running_ -= answers.size();
    return answers;
  }

  /// Kills every running command (their answers then say so).
  void cancel() { cancel_ = true; }

private:
  struct Finished {
    std::thread::id thread;
    Answer answer;
  };

  std::size_t capacity_;
  std::size_t running_ = 0;
  int wake_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::vector<Finished> finished_;                  // posted by the job threads, under mutex_
  std::map<std::thread::id, std::thread> threads_;  // one per running job
};

// The responder: subscribes to -t on every CONNACK, queues each request, runs its command and
// publishes the command's output to the request's Response Topic with its Correlation Data.
class Responder : public SessionEvents {
public:
  explicit Responder(const Options& options)
      : options_(options), filter_(topic_of(options)), pool_(options.serve.jobs) {}

  void attach(Session& session) { session_ = &session; }
  JobPool& pool() { return pool_; }

  void on_connected(const ConnackInfo& connack) override {
    if (connections_++ > 0) diag::info(fmt::format("subscribing again to {}", filter_));
    subscribe_mid_ = session_->subscribe(
        {filter_}, options_.topic.qos, 0,
        connack.protocol == ProtocolVersion::v5 ? options_.request.subscribe_properties.get() : nullptr);
    publish_held_answers();
  }

  void on_subscribed(int mid, std::span<const int> granted) override {
    if (mid != subscribe_mid_) return;
    if (!granted.empty() && granted[0] >= 0x80)
      session_->fail(subscribe_refused_error(filter_, granted[0], session_->protocol()));
    else
      diag::debug("serving {}{}", filter_, connections_ > 1 ? " again" : "");
  }

  void on_publish_done(int mid, int reason_code) override {
    const auto answer = published_.find(mid);
    if (answer == published_.end()) return;
    if (reason_code >= 0x80)
      diag::warning(fmt::format("the broker refused the response to request {} on '{}': {}",
                                answer->second.first, answer->second.second,
                                reason_text(reason_code, session_->protocol())));
    published_.erase(answer);
  }

  void on_message(const Message& message) override {
    if (stopping_) return;
    ++received_;
    std::optional<Request> request = make_request(message);
    if (!request) return;
    queue_.push_back(std::move(*request));
    start_jobs();
  }

  /// A job finished: publish its answer, start the next.
  void on_jobs_finished() {
    for (Answer& answer : pool_.take_finished())
      answer_request(std::move(answer));
    start_jobs();
  }

  /// Ctrl-C: take no more requests; the running jobs finish and are answered.
  void stop() {
    stopping_ = true;
    if (!queue_.empty())
      diag::warning(fmt::format("{} request{} received but not started {} not answered", queue_.size(),
                                queue_.size() == 1 ? "" : "s", queue_.size() == 1 ? "is" : "are"));
    queue_.clear();
  }

  bool idle() const { return pool_.running() == 0 && published_.empty() && held_.empty(); }

private:
  std::optional<Request> make_request(const Message& message) {
    Request request;
    request.number = received_;
    request.topic = std::string{message.topic};
    request.qos = message.qos;
    if (const auto topic = find_property(message.properties, MQTT_PROP_RESPONSE_TOPIC))
      request.response_topic = std::string{topic->bytes.view()};
    else if (options_.serve.reply_topic)
      request.response_topic = reply_topic_for(*options_.serve.reply_topic, message.topic);
    if (request.response_topic.empty()) {
      diag::warning(
          fmt::format("skipped request {} on '{}': it has no Response Topic (an MQTT v3.1.1 client?); "
                      "--reply-topic TOPIC answers such requests",
                      received_, message.topic));
      return std::nullopt;
    }
    try {
      check_topic_name(request.response_topic, "the Response Topic");
    } catch (const Error& invalid) {
      diag::warning(fmt::format("skipped request {} on '{}': {}", received_, message.topic, invalid.what()));
      return std::nullopt;
    }
    if (const auto correlation = find_property(message.properties, MQTT_PROP_CORRELATION_DATA))
      request.correlation_data = std::string{correlation->bytes.view()};
    request.job.command = options_.serve.command;
    request.job.environment = request_environment(message, request.response_topic, request.correlation_data);
    request.job.input = std::string{message.payload};
    if (options_.serve.job_timeout)
      request.job.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::duration<double>(*options_.serve.job_timeout));
    request.job.output_limit = output_limit(options_.request.publish_properties, request.response_topic,
                                            request.correlation_data, request.qos, session_->protocol());
    diag::debug("request {} on {}: running {}", request.number, request.topic,
                options_.serve.command.front());
    return request;
  }

  void start_jobs() {
    while (!queue_.empty() && pool_.has_room()) {
      pool_.start(std::move(queue_.front()));
      queue_.pop_front();
    }
  }

  void answer_request(Answer answer) {
    const Request& request = answer.request;
    if (!answer.outcome.succeeded())
      diag::warning(fmt::format("request {} on '{}': the command exited with {}{}{}", request.number,
                                request.topic, answer.outcome.exit_code,
                                answer.outcome.error_line.empty() ? "" : ": ",
                                printable(answer.outcome.error_line)));
    if (!session_->connected()) {
      held_.push_back(std::move(answer));  // published once connected again
      return;
    }
    publish_answer(answer);
  }

  void publish_answer(const Answer& answer) {
    const Request& request = answer.request;
    const Properties properties =
        answer_properties(options_.request.publish_properties, request.correlation_data, answer.outcome);
    const bool v5 = session_->protocol() == ProtocolVersion::v5;
    PublishResult result;
    try {
      result = session_->try_publish(request.response_topic, answer.outcome.output, request.qos, false,
                                     v5 ? properties.get() : nullptr);
    } catch (const Error& failure) {
      result.refused = failure;  // one answer that cannot go must not end the service
    }
    if (result.refused) {
      diag::warning(
          fmt::format("the response to request {} was not sent: {}", request.number, result.refused->what()));
      return;
    }
    if (request.qos > 0)
      published_.emplace(result.mid, std::make_pair(request.number, request.response_topic));
    diag::debug("request {}: answered on {} ({} bytes)", request.number, request.response_topic,
                answer.outcome.output.size());
  }

  void publish_held_answers() {
    std::deque<Answer> held;
    held.swap(held_);
    for (const Answer& answer : held)
      publish_answer(answer);
  }

  const Options& options_;
  std::string filter_;
  JobPool pool_;
  Session* session_ = nullptr;
  std::deque<Request> queue_;                                       // received, waiting for a free job
  std::deque<Answer> held_;                                         // answered while the connection was down
  std::map<int, std::pair<std::uint64_t, std::string>> published_;  // QoS 1/2 answers awaiting their ack
  std::uint64_t received_ = 0;
  int subscribe_mid_ = -1;
  int connections_ = 0;
  bool stopping_ = false;
};

void check_command(const Options& options) {
  const std::string& program = options.serve.command.front();
  if (!program_exists(program))
    throw usage_error(fmt::format("the command '{}' cannot be run: no such executable{}", program,
                                  program.find('/') == std::string::npos ? " in PATH" : ""),
                      "give the program's path, or install it; mqrr runs it without a shell");
}

}  // namespace

Exit serve(const Options& options) {
  check_command(options);
  Responder responder{options};
  StopSignals::install();  // from here on, Ctrl-C ends with a clean shutdown and exit 130
  Session session{options.client, responder};
  responder.attach(session);
  // Like mqsub, keep reconnecting (and resubscribing) unless told otherwise.
  session.set_reconnect_policy(ReconnectPolicy{options.client.connection.reconnect_attempts.value_or(-1)});
  session.connect();

  LoopExtras extras;
  extras.watches.push_back(LoopExtras::Watch{responder.pool().wake_fd(), [] { return true; },
                                             [&responder] { responder.on_jobs_finished(); }});
  session.run_until([] { return false; }, std::nullopt, &extras);
  // Interrupted: the running commands finish (within their timeout) and are answered.
  responder.stop();
  const auto grace =
      options.serve.job_timeout ? seconds(*options.serve.job_timeout) : Clock::duration{default_finish_grace};
  if (!session.finish_until([&responder] { return responder.idle(); }, Clock::now() + grace, &extras)) {
    responder.pool().cancel();
    session.finish_until([&responder] { return responder.idle(); }, Clock::now() + std::chrono::seconds(5),
                         &extras);
  }
  session.disconnect();
  throw interrupted_error(StopSignals::received());
}

}  // namespace mq::rr
