#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mq/cli_forward.hpp"
#include "mq/client_options.hpp"
#include "mq/codec.hpp"
#include "mq/error.hpp"
#include "mq/message_input.hpp"
#include "mq/message_writer.hpp"
#include "mq/properties.hpp"
#include "mq/subscription.hpp"

// mqrr: MQTT request/response. The requester publishes a request and prints its response; the
// responder (--serve) answers each request with the output of a command.
namespace mq::rr {

/// What both sides share: the topic and the quality of service.
struct TopicOptions {
  std::optional<std::string> topic;  // -t: the request topic, or with --serve the filter served
  int qos = 0;                       // -q: of the request, the response and the subscription
};
/// Registers -t and -q.
void add_topic_options(CLI::App& app, TopicOptions& topic);

/// The requester's options: what to ask, where the answer comes, how long to wait, how often.
struct RequestOptions {
  std::optional<std::string> response_topic;  // -e
  WholeMessageOptions message;                // -m -f -s -n
  std::optional<double> timeout;              // -W: seconds each request waits for its response
  std::optional<int> repeat;                  // --repeat: requests one after another
  double interval = 0;                        // --interval: seconds from a response to the next request
  bool no_retained = false;                   // -R: a retained message is no response
  RetainOptions retain;                       // --retain-as-published, --retain-handling
  std::optional<PayloadFormat> encode;        // --encode: the request is JSON, sent in this format
  Properties publish_properties;              // -D publish ...
  Properties subscribe_properties;            // -D subscribe ...
};
/// Registers -e -m -f -s -n --encode -W --repeat --interval -R --retain-as-published
/// --retain-handling.
void add_request_options(CLI::App& app, RequestOptions& request);

/// How the response is printed: as mosquitto_rr does, and decoded.
struct OutputOptions : PrintOptions {
  std::optional<DecodeChoice> decode;  // --decode: the response shown as JSON
};
/// Registers -v -N -F --pretty --json --decode.
void add_output_options(CLI::App& app, OutputOptions& output);

/// The responder's options.
struct ServeOptions {
  bool serve = false;                      // --serve
  int jobs = 1;                            // --jobs: commands running at once
  std::optional<double> job_timeout;       // --job-timeout: seconds before a command is killed
  std::optional<std::string> reply_topic;  // --reply-topic: for requests without a Response Topic
  std::vector<std::string> command;        // after "--": the program and its arguments
};
/// Registers --serve --jobs --job-timeout --reply-topic and the COMMAND words.
void add_serve_options(CLI::App& app, ServeOptions& serve);

/// Every option of mqrr.
struct Options {
  ClientOptions client;
  TopicOptions topic;
  RequestOptions request;
  OutputOptions print;
  ServeOptions serve;
};
/// Registers -D for the packets mqrr sends (connect, publish, subscribe, disconnect, will).
void add_property_options(CLI::App& app, Options& options);

/// The request topic, or with --serve the filter served: -t, else the topic of -L; "" for none.
std::string topic_of(const Options& options);

/// Checks the rules between the options after parsing (and finalize_client_options): the
/// options of one side are refused on the other. Throws a usage Error naming the option.
void check_options(const Options& options);

/// Sends the request(s) and prints each response; Exit::ok once every one was answered.
Exit request(const Options& options);
/// Answers requests until Ctrl-C (exit 130), reconnecting when the broker goes away.
Exit serve(const Options& options);

}  // namespace mq::rr
