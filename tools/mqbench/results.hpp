#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "mq/error.hpp"
#include "shard.hpp"

// The outcome of a run, or of several merged: what the summary table prints, what --json
// writes (the schema is in mqbench(1)) and what `mqbench report` reads back and merges.
namespace mq::bench {

/// What a cause of errors means for the exit status when it is why nothing was measured: known
/// while running only (the JSON keeps the causes and their counts).
struct CauseKind {
  Exit exit = Exit::network;
  std::string fix;
};

/// Message and connection counts. Messages sent during --warmup are not counted.
struct Totals {
  std::uint64_t sent = 0;             // handed to the connection
  std::uint64_t acked = 0;            // QoS 1 PUBACK, QoS 2 PUBCOMP; QoS 0: written to the socket
  std::uint64_t received = 0;         // every delivery, duplicates included
  std::uint64_t lost = 0;             // expected by a subscriber and never received
  std::uint64_t duplicated = 0;       // received again
  std::uint64_t reordered = 0;        // received after a later message of the same publisher
  std::uint64_t behind_schedule = 0;  // sent more than 1 ms after its scheduled time
  std::uint64_t window_full = 0;      // times a due message waited for the broker (-M in flight)
  std::uint64_t unrecognized = 0;     // received payloads mqbench did not send: not timed
  std::uint64_t connections_attempted = 0;
  std::uint64_t connections_made = 0;
  std::map<std::string, std::uint64_t> errors_by_cause;
  std::map<std::string, CauseKind> cause_kinds;  // by cause, for the causes seen in this run

  std::uint64_t errors() const;
  /// Clients that never got a CONNACK.
  std::uint64_t connections_failed() const;
  /// The cause counted most often (the first in order among equals); empty without errors.
  std::string most_common_cause() const;
};

/// conn --churn: held connections closed and reopened. Counts add up across workers and merged runs.
struct Churn {
  double asked_per_s = 0;
  std::string close;          // "drop" or "disconnect"
  double seconds = 0;         // how long the churn went on
  std::uint64_t asked = 0;    // reconnects due in that time
  std::uint64_t started = 0;  // connections closed to be reopened
  std::uint64_t made = 0;     // reopened: CONNACK came
  std::uint64_t failed = 0;   // not reopened (the cause is counted below and among the errors)
  double most_behind_s = 0;   // the longest a close started after it was due
  std::map<std::string, std::uint64_t> failures_by_cause;

  /// Reconnects made per second of churn.
  double made_per_s() const { return seconds > 0 ? static_cast<double>(made) / seconds : 0.0; }
  /// Adds the counts of another worker or run (the rates and time of runs at the same time add up too).
  void add(const Churn& other);
};

/// One --fail-* limit and how the run fared against it.
struct Gate {
  std::string option;  // "--fail-p99", "--fail-loss", "--fail-rate", "--fail-errors"
  double limit = 0;
  std::string unit;             // of limit and value: "ms", "messages", "%", "received/s", "errors"...
  std::optional<double> value;  // what was measured; nothing when it could not be (no latency)
  bool passed = false;
  std::string detail;  // one sentence: the value against the limit
};

/// Rates per second of measured time (summed when results from several machines merge).
struct Rates {
  double sent = 0;
  double acked = 0;
  double received = 0;
  double connects = 0;
};

/// One second of the run, for the time series.
struct SecondSample {
  int t = 0;  // seconds since the first connection attempt; the sample covers (t-1, t]
  std::string phase;
  std::uint64_t connections = 0;  // up at the end of the second
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t received = 0;
  std::uint64_t errors = 0;
  std::optional<std::uint64_t> p50_us, p99_us, max_us;          // end-to-end, when anything was received
  std::uint64_t connects = 0;                                   // CONNACKs in the second
  std::optional<std::uint64_t> connect_p50_us, connect_p99_us;  // when any CONNACK came
  std::uint64_t reconnects = 0;                                 // conn --churn: connections reopened
};

struct Step;

/// What one shard of a pubsub run split over processes published and what its subscribers saw
/// of each publisher, so that merging the shards counts the messages lost on their way from a
/// publisher in one shard to a subscriber in another.
struct Sequences {
  struct Stream {
    std::uint32_t subscriber = 0;  // global numbers, as Plan::sources_of
    std::uint32_t publisher = 0;
    std::uint64_t next = 0;     // SequenceChecker::next()
    std::uint64_t missing = 0;  // SequenceChecker::missing()
  };
  std::string pattern;                               // pairs, fan-in, fan-out
  std::uint32_t publishers = 0;                      // of the whole run
  std::map<std::uint32_t, std::uint64_t> published;  // by global publisher number: messages sent
  std::vector<std::uint32_t> ready_subscribers;      // global numbers of those that were ready
  std::vector<Stream> streams;                       // of the ready subscribers
};

/// The messages lost in the whole run whose shards saw `parts`: each ready subscriber's
/// expected publishers, wherever each of them ran.
std::uint64_t lost_across_shards(const std::vector<const Sequences*>& parts);

/// Everything a run found out.
struct Results {
  std::string scenario;     // conn, pub, sub, pubsub ("mixed" when merging different ones)
  std::string description;  // one line: who sent what to whom
  nlohmann::json settings = nlohmann::json::object();
  int sources = 1;                     // runs merged into this one
  std::string run_id;                  // --run-id or the default; empty in results of older versions
  std::optional<Shard> shard;          // of the process that measured it; none when merged
  std::optional<Sequences> sequences;  // a shard's of a pubsub run over several processes
  bool interrupted = false;
  double measured_seconds = 0;
  double ack_seconds = 0;      // from the start of the measurement to the last acknowledgement
  double receive_seconds = 0;  // ... to the last receipt (sub: from the first receipt)
  // Acknowledgements and receipts within the measured time, when a run with --duration knows
  // them: the rates then count only those, so that what arrives during the drain adds nothing.
  std::optional<std::uint64_t> acked_in_time, received_in_time;
  double connect_seconds = 0;  // from the first connection attempt to the last CONNACK
  Totals totals;
  Rates rates;
  Histogram latency;            // scheduled time to receipt, µs
  Histogram ack_latency;        // scheduled time to acknowledgement, µs
  Histogram connect_latency;    // connect start to CONNACK, µs
  std::optional<Churn> churn;   // conn --churn only
  Histogram reconnect_latency;  // --churn: close to CONNACK, µs
  std::vector<SecondSample> series;
  std::vector<Gate> gates;  // the --fail-* limits checked by the command that wrote the result
  // The share of the measured time mqbench's own threads were busy (0 to 1): near 1, mqbench
  // itself was the bottleneck. Known for a run that published for a --duration.
  std::optional<double> load_generator_busy;
  // --find-max: every step in order (this result is the highest passing one's, or the last's);
  // empty for a plain run.
  std::vector<Step> steps;

  /// Sets the rates: what happened within the measured time over that time; or, when that is not
  /// known, each count over the time it took, so that messages a broker delivers long after they
  /// were sent never inflate a rate.
  void compute_rates();
  /// The latency --fail-p99 checks: end-to-end, else acknowledgement, else connect.
  const Histogram& main_latency() const;
  /// The rate --fail-rate checks: received, else acknowledged, else connects per second.
  double main_rate() const;
  /// What main_rate() counts ("received", "acknowledged", "connections").
  std::string main_rate_name() const;
  /// Whether this is the outcome of --find-max (even one stopped before its first step ended).
  bool from_find_max() const { return !steps.empty() || settings.contains("find_max"); }
};

/// One step of --find-max: a run at one asked rate and how it fared against the service level.
struct Step {
  double asked = 0;  // total messages (conn: connections) per second asked for
  bool passed = false;
  std::string failure;                  // what failed first: a --fail-* gate's sentence, or the rate not kept
  bool load_generator_limited = false;  // mqbench's threads were saturated: the broker may have had more
  Results results;
};

/// The document --json writes.
nlohmann::json to_json(const Results& results);
/// Reads a document written by to_json; throws a usage Error naming `source` and what is wrong.
Results results_from_json(const nlohmann::json& document, const std::string& source);
/// Merges results measured at the same time on several machines: counts, rates and histograms
/// add up exactly; per-second percentiles cannot be merged and are left out.
Results merge(const std::vector<Results>& parts);

/// The table printed at the end of a run and by `mqbench report`; with `colour`, the heading
/// stands out and non-zero counts of trouble (lost, duplicated, errors...) are red.
std::string summary_table(const Results& results, bool colour = false);

/// The live line printed each second: elapsed time, connections, rates, latency, errors.
std::string live_line(const SecondSample& sample);

}  // namespace mq::bench
