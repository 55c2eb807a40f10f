#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mqtt_protocol.h>

#include "mq/option_checks.hpp"
#include "mq/property_options.hpp"
#include "mq/topic.hpp"
#include "rr.hpp"

namespace mq::rr {
namespace {

constexpr const char* request_group = "Request";
constexpr const char* output_group = "Output";
constexpr const char* serve_group = "Serving requests (--serve)";

// The options that belong to one side only, with whether they were given.
struct SideOption {
  bool given;
  const char* name;
};

void refuse_with_serve(const Options& options) {
  const RequestOptions& request = options.request;
  const OutputOptions& print = options.print;
  const SideOption requester_only[] = {
      {request.response_topic.has_value(), "-e"},
      {request.message.message.has_value(), "-m"},
      {request.message.file.has_value(), "-f"},
      {request.message.stdin_file, "-s"},
      {request.message.null_message, "-n"},
      {request.timeout.has_value(), "-W"},
      {request.repeat.has_value(), "--repeat"},
      {request.interval > 0, "--interval"},
      {request.no_retained, "-R"},
      {request.retain.retain_as_published, "--retain-as-published"},
      {request.retain.retain_handling.has_value(), "--retain-handling"},
      {print.verbose, "-v"},
      {print.no_end_of_line, "-N"},
      {print.format.has_value(), "-F"},
      {print.pretty, "--pretty"},
      {print.json, "--json"},
      {print.decode.has_value(), "--decode"},
      {request.encode.has_value(), "--encode"},
  };
  for (const auto& [given, name] : requester_only)
    if (given)
      throw usage_error(fmt::format("--serve cannot be combined with {}", name),
                        "--serve answers requests with a command's output; drop --serve to send a request");
  if (options.serve.command.empty())
    throw usage_error(
        "--serve needs a command to run for each request",
        "end the options with -- and the command, for example: mqrr --serve -t 'svc/+/request' -- cat");
}

void refuse_without_serve(const Options& options) {
  const ServeOptions& serve = options.serve;
  const SideOption serve_only[] = {
      {serve.jobs != 1, "--jobs"},
      {serve.job_timeout.has_value(), "--job-timeout"},
      {serve.reply_topic.has_value(), "--reply-topic"},
      {!serve.command.empty(), "a command"},
  };
  for (const auto& [given, name] : serve_only)
    if (given)
      throw usage_error(fmt::format("{} is only for --serve", name),
                        "add --serve to answer requests with a command");
}

// mqrr sets the Response Topic of a request and the Correlation Data of a request or a response.
void refuse_own_properties(const Options& options) {
  const mosquitto_property* properties = options.request.publish_properties.get();
  if (find_property(properties, MQTT_PROP_CORRELATION_DATA))
    throw usage_error("-D publish correlation-data cannot be given to mqrr",
                      "drop it: mqrr sends a fresh random Correlation Data with each request, and --serve "
                      "answers with the request's");
  if (!options.serve.serve && find_property(properties, MQTT_PROP_RESPONSE_TOPIC))
    throw usage_error("-D publish response-topic cannot be combined with -e",
                      "drop it: mqrr sends -e as the request's Response Topic");
}

void check_request(const Options& options, const std::string& topic) {
  check_topic_name(topic, "--topic");
  const RequestOptions& request = options.request;
  if (!request.response_topic)
    throw usage_error("no response topic to wait on",
                      "add -e TOPIC: mqrr subscribes to it and asks the responder to answer there");
  check_topic_name(*request.response_topic, "-e");
  if (!request.message.given())
    throw usage_error("no request to send",
                      "add -m TEXT, -f FILE, -s (standard input) or -n (an empty request)");
  const auto& protocol = options.client.connection.protocol;
  if (protocol && *protocol != ProtocolVersion::v5)
    if (const char* option = request.retain.v5_option_given())
      throw usage_error(fmt::format("{} needs MQTT v5, but -V asks for {}", option, protocol_name(*protocol)),
                        "drop -V or use -V 5");
}

}  // namespace

void add_topic_options(CLI::App& app, TopicOptions& topic) {
  app.add_option("-t,--topic", topic.topic,
                 "Topic to send the request to; with --serve, the topic filter to serve")
      ->group(request_group);
  app.add_option("-q,--qos", topic.qos,
                 "Quality of service of the request, the response and the subscription")
      ->check(whole_number(0, 2))
      ->group(request_group);
}

void add_request_options(CLI::App& app, RequestOptions& request) {
  app.add_option("-e,--response-topic", request.response_topic,
                 "Topic to wait on for the response (subscribed to, and sent as the Response Topic)")
      ->group(request_group);
  add_whole_message_options(app, request.message, request_group);
  add_encode_option(app, request.encode, request_group);
  app.add_option("-W,--timeout", request.timeout,
                 "Give up when a response has not come this many seconds after its request (exit 8)")
      ->check(real_number(0.001, 1e9))
      ->group(request_group);
  app.add_option("--repeat", request.repeat,
                 "Send this many requests one after another, then print the round-trip times on stderr")
      ->check(whole_number(1, 1'000'000'000))
      ->group(request_group);
  app.add_option("--interval", request.interval, "Seconds from a response to the next request (--repeat)")
      ->check(real_number(0.0, 86400.0))
      ->group(request_group);
  app.add_flag("-R", request.no_retained, "Take no retained (stale) message as the response")
      ->group(request_group);
  add_retain_options(app, request.retain, request_group);
}

void add_output_options(CLI::App& app, OutputOptions& output) {
  add_print_options(app, output, output_group);
  add_decode_option(app, output.decode, output_group);
}

void add_serve_options(CLI::App& app, ServeOptions& serve) {
  app.add_flag("--serve", serve.serve,
               "Answer requests on -t with the output of the command after --, run once per request")
      ->group(serve_group);
  app.add_option("--jobs", serve.jobs, "Run the command for up to this many requests at once")
      ->check(whole_number(1, 1024))
      ->group(serve_group);
  app.add_option("--job-timeout", serve.job_timeout, "Kill a command that runs longer than this many seconds")
      ->check(real_number(0.001, 1e9))
      ->group(serve_group);
  app.add_option("--reply-topic", serve.reply_topic,
                 "Answer requests without a Response Topic (MQTT v3.1.1) on this topic; {topic} is the "
                 "request's topic")
      ->group(serve_group);
  app.add_option("COMMAND", serve.command, "With --serve: the program to run and its arguments, after --")
      ->group(serve_group);
}

void add_property_options(CLI::App& app, Options& options) {
  ClientOptions& client = options.client;
  add_property_option(app, PropertyTargets{&client.connection.connect_properties,
                                           &options.request.publish_properties,
                                           &options.request.subscribe_properties, nullptr,
                                           &client.connection.disconnect_properties, &client.will.properties,
                                           &client.connection.requires_v5});
}

std::string topic_of(const Options& options) {
  return options.topic.topic.value_or(options.client.url_topic.value_or(""));
}

void check_options(const Options& options) {
  refuse_own_properties(options);
  const std::string topic = topic_of(options);
  if (topic.empty())
    throw usage_error(options.serve.serve ? "no topic filter to serve" : "no request topic",
                      options.serve.serve ? "add -t FILTER, for example -t 'svc/+/request'"
                                          : "add -t TOPIC: the request is published there");
  if (options.serve.serve) {
    refuse_with_serve(options);
    check_topic_filter(topic, "--topic");
    // A template whose topics could not be published to: every v3.1.1 request would be lost.
    if (options.serve.reply_topic) check_topic_name(*options.serve.reply_topic, "--reply-topic");
    return;
  }
  refuse_without_serve(options);
  check_request(options, topic);
  if (options.print.format) MessageWriter{options.print, ""};  // a bad -F is a usage error now
}

}  // namespace mq::rr
