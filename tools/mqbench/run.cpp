// Runs a scenario: checks the settings with one connection, starts the workers, leads them
// through the phases (connect, ramp, warm-up, measure, drain), prints the live lines, and
// turns what they measured into the results.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "bench.hpp"
#include "churn.hpp"
#include "coordination.hpp"
#include "csv.hpp"
#include "engine.hpp"
#include "find_max.hpp"
#include "html_report.hpp"
#include "limits.hpp"
#include "live.hpp"
#include "live_metrics.hpp"
#include "metrics_server.hpp"
#include "mq/connectivity.hpp"
#include "mq/diagnostics.hpp"
#include "mq/library.hpp"
#include "mq/output.hpp"
#include "mq/output_file.hpp"
#include "mq/session.hpp"
#include "mq/signals.hpp"
#include "mq/terminal.hpp"
#include "plan.hpp"
#include "results.hpp"
#include "run_identity.hpp"

namespace mq::bench {
namespace {

using namespace std::chrono_literals;

constexpr auto watch_period = 50ms;                // how often the main thread looks at the workers
constexpr auto drain_without_progress = 1s;        // the drain ends when nothing arrives for this long
constexpr auto longest_drain = 10s;                // ... or after this long in any case
constexpr auto publish_start_delay = 10ms;         // so that every worker sees the start in time
constexpr std::size_t descriptors_kept_free = 64;  // for the workers' epoll and files
constexpr Clock::time_point never = Clock::time_point::max();
constexpr auto longest_step_pause = 2s;  // --find-max: between two steps, after the drain and the disconnects

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

// Raises the soft limit on open files to the hard one and says how many connections fit.
std::size_t raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024 - descriptors_kept_free;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t usable = limit.rlim_cur == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_cur;
  return usable > descriptors_kept_free ? static_cast<std::size_t>(usable) - descriptors_kept_free : 1;
}

// A relayed connection (WebSockets, a proxy) takes three descriptors: libmosquitto's socket, the
// relay's end of it and the tunnel to the broker.
std::size_t descriptors_per_connection(const ClientOptions& client) {
  return client.transport.relayed() ? 3 : 1;
}

// The --json and --csv files, opened (and checked) before the run so that a long run is not lost
// to a path that cannot be written; a regular file is whole or untouched, "-" and a FIFO are
// streams.
struct ResultFiles {
  std::optional<OutputFile> json, csv, html;

  explicit ResultFiles(const OutputOptions& output) {
    const int to_standard_output = (output.json == "-") + (output.csv == "-") + (output.html == "-");
    if (to_standard_output > 1)
      throw usage_error("more than one of --json, --csv and --html would write to standard output ('-')",
                        "write all but one of them to files");
    open(json, output.json, {.what = "the results", .option = "--json"});
    open(csv, output.csv, {.what = "the results as CSV", .option = "--csv"});
    open(html, output.html, {.what = "the HTML report", .option = "--html"});
  }

  bool take_standard_output() const {
    for (const std::optional<OutputFile>* file : {&json, &csv, &html})
      if (*file && (*file)->is_standard_output()) return true;
    return false;
  }

  /// Writes `results`; the HTML report shows `shown` (the files of a report side by side) or,
  /// when empty, `results`. Every file is written before any is committed, so that a file that
  /// fails (a full device) leaves the regular ones untouched.
  void write(const Results& results, const std::vector<NamedResults>& shown) {
    if (json) json->write(to_json(results).dump(2) + "\n");
    if (csv) csv->write(results_csv(results));
    if (html)
      html->write(html_report(shown.empty() ? std::vector<NamedResults>{{"this run", results}} : shown));
    for (std::optional<OutputFile>* file : {&json, &csv, &html})
      if (*file) (*file)->commit();
  }

private:
  static void open(std::optional<OutputFile>& file, const std::optional<std::string>& path,
                   const OutputFileSettings& settings) {
    if (path) file.emplace(OutputFile::open(*path, settings));
  }
};

// One connection before the load: a wrong host, password or certificate is reported once,
// exactly, instead of as thousands of failed clients; and the protocol version the broker
// accepts (v5, or v3.1.1 after a refusal) is fixed for every client. An MQTT v5 broker also
// states its maximum packet size, which --size must fit.
void check_brokers(Plan& plan) {
  class Connack : public SessionEvents {
  public:
    void on_connected(const ConnackInfo& connack) override {
      if (connack.protocol == ProtocolVersion::v5)
        maximum_packet = read_capabilities(connack.properties).maximum_packet_size;
    }
    std::optional<std::uint32_t> maximum_packet;
  };
  std::set<std::string> checked;
  std::optional<ProtocolVersion> accepted;
  for (const ClientOptions& shape : plan.shapes) {
    const std::string key = fmt::format("{} {}", shape.connection.host, shape.connection.bind_address);
    if (!checked.insert(key).second) continue;
    ClientOptions probe = shape;
    probe.connection.clean_session = true;
    probe.connection.session_expiry.reset();
    probe.connection.client_id = plan.clients.front().client_id;
    Connack connack;
    Session session{probe, connack};
    session.connect();
    accepted = session.protocol();
    session.disconnect();
    check_payload_size(plan, *accepted, connack.maximum_packet, session.endpoint().text());
  }
  for (ClientOptions& shape : plan.shapes)
    shape.connection.protocol = accepted;
  if (accepted != ProtocolVersion::v5 && !plan.publish_properties.empty())
    throw Error{Exit::protocol,
                fmt::format("the broker refused MQTT v5, which --user-property and --message-expiry need"),
                fmt::format("it accepted {} instead", protocol_name(*accepted)),
                "drop the v5 options, or use a broker that speaks MQTT v5"};
}

// Seconds of the run merged across the workers as they come in.
class Series {
public:
  explicit Series(std::size_t workers) : workers_(workers) {}

  void add(Interval interval) {
    Pending& entry = pending_[interval.second];
    entry.reports++;
    entry.sum.second = interval.second;
    entry.sum.connections += interval.connections;
    entry.sum.sent += interval.sent;
    entry.sum.acked += interval.acked;
    entry.sum.received += interval.received;
    entry.sum.errors += interval.errors;
    entry.sum.reconnects += interval.reconnects;
    entry.sum.latency.merge(interval.latency);
    entry.sum.connects += interval.connects;
    entry.sum.connect_latency.merge(interval.connect_latency);
  }

  /// The seconds every worker has reported (all of them with `everything`), in order, as samples.
  std::vector<SecondSample> complete(const std::function<std::string(int)>& phase_of, bool everything) {
    std::vector<SecondSample> done;
    while (!pending_.empty() && (everything || pending_.begin()->second.reports >= workers_)) {
      const Interval& sum = pending_.begin()->second.sum;
      SecondSample sample;
      sample.t = sum.second;
      sample.phase = phase_of(sum.second);
      sample.connections = sum.connections;
      sample.sent = sum.sent;
      sample.acked = sum.acked;
      sample.received = sum.received;
      sample.errors = sum.errors;
      sample.connects = sum.connects;
      sample.reconnects = sum.reconnects;
      if (!sum.latency.empty()) {
        sample.p50_us = sum.latency.percentile(50);
        sample.p99_us = sum.latency.percentile(99);
        sample.max_us = sum.latency.max();
      }
      if (!sum.connect_latency.empty()) {
        sample.connect_p50_us = sum.connect_latency.percentile(50);
        sample.connect_p99_us = sum.connect_latency.percentile(99);
      }
      done.push_back(sample);
      pending_.erase(pending_.begin());
    }
    return done;
  }

private:
  struct Pending {
    std::size_t reports = 0;
    Interval sum;
  };
  std::size_t workers_;
  std::map<int, Pending> pending_;
};

// The main thread's side of a run.
class Run {
public:
  /// `metrics`: the live metrics to keep current, or null. `start_gate`, when given, runs once
  /// the clients are connected and holds the load back (the barrier of a sharded run,
  /// --start-at); false: a stop signal came.
  Run(const Plan& plan, LiveOutput& live, LiveMetrics* metrics, std::function<bool()> start_gate = {})
      : plan_(plan), live_(live), metrics_(metrics), start_gate_(std::move(start_gate)),
        control_(Clock::now()), series_(0) {}

  Results execute() {
    start_workers();
    enter("connect");
    const bool all_resolved = watch_until([&] { return resolved() >= plan_.clients.size(); });
    connect_end_ = Clock::now();
    if (all_resolved) {
      report_connected();
      if (pass_start_gate()) run_load();
    }
    stop_workers();
    return results();
  }

private:
  bool pass_start_gate() {
    if (!start_gate_) return true;
    enter("barrier");
    try {
      interrupted_ = !start_gate_();
    } catch (...) {
      stop_workers();
      throw;
    }
    return !interrupted_;
  }

  void start_workers() {
    std::vector<std::vector<const ClientPlan*>> shares(static_cast<std::size_t>(plan_.threads));
    for (std::size_t i = 0; i < plan_.clients.size(); ++i)
      shares[i % shares.size()].push_back(&plan_.clients[i]);
    if (plan_.scenario == Scenario::pubsub && plan_.rate <= 0) {
      flow_ = std::make_unique<FlowControl>(
          plan_.pattern, plan_.publishers, plan_.subscribers,
          static_cast<std::uint64_t>(plan_.shapes.front().connection.max_inflight));
      // Publisher k is client subscribers + k, so it lives on worker (subscribers + k) % threads.
      flow_->set_waker([this](std::uint32_t publisher) {
        workers_[(plan_.subscribers + publisher) % workers_.size()]->wake();
      });
    }
    for (std::size_t i = 0; i < shares.size(); ++i)
      workers_.push_back(
          std::make_unique<Worker>(plan_, control_, flow_.get(), std::move(shares[i]), static_cast<int>(i)));
    series_ = Series{workers_.size()};
    for (auto& worker : workers_)
      worker->start();
  }

  void report_connected() {
    const std::uint64_t failed = total(&Progress::failed);
    live_.line(
        fmt::format("{} of {} clients ready in {:.2f} s{}", plan_.clients.size() - failed,
                    plan_.clients.size(), seconds_between(control_.run_start, connect_end_),
                    failed != 0 ? fmt::format(", {} failed (see the errors at the end)", failed) : ""));
  }

  void run_load() {
    // A client whose connection failed stays down: with none up, nothing is left to hold or receive.
    const auto none_up = [&] { return total(&Progress::up) == 0; };
    if (plan_.scenario == Scenario::conn) {
      enter("hold");
      if (plan_.churn > 0) start_churn();
      watch_until(none_up, plan_.hold ? connect_end_ + seconds(*plan_.hold) : never);
      measure_start_ = connect_end_;
      measure_end_ = Clock::now();
      return;
    }
    if (plan_.scenario == Scenario::sub) {
      enter("measure");
      measure_start_ = Clock::now();
      watch_until([&] { return (plan_.count && total(&Progress::received) >= *plan_.count) || none_up(); },
                  plan_.duration ? measure_start_ + seconds(*plan_.duration) : never);
      measure_end_ = Clock::now();
      return;
    }
    publish();
  }

  void start_churn() {
    churn_start_ = Clock::now();
    control_.churn_start_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(*churn_start_ - control_.run_start).count(),
        std::memory_order_release);
    for (auto& worker : workers_)
      worker->wake();
  }

  void publish() {
    const Clock::time_point start = Clock::now() + publish_start_delay;
    control_.publish_start_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(start - control_.run_start).count(),
        std::memory_order_release);
    for (auto& worker : workers_)
      worker->wake();
    measure_start_ = start + seconds(plan_.ramp + plan_.warmup);
    if (plan_.ramp > 0) {
      enter("ramp");
      if (!watch_until([] { return false; }, start + seconds(plan_.ramp))) return;
    }
    if (plan_.warmup > 0) {
      enter("warmup");
      if (!watch_until([] { return false; }, measure_start_)) return;
    }
    enter("measure");
    const auto publishers_done = [&] { return total(&Progress::publishers_done) >= plan_.publishers; };
    const Clock::time_point end = plan_.duration ? measure_start_ + seconds(*plan_.duration) : never;
    const bool finished = watch_until(publishers_done, end);
    measure_end_ = std::min(end, Clock::now());
    if (finished) drain();
  }

  // Waits for the acknowledgements and messages still on their way, while they keep coming.
  void drain() {
    enter("drain");
    const Clock::time_point give_up = Clock::now() + longest_drain;
    std::uint64_t last_changes = total(&Progress::changes);
    Clock::time_point last_change = Clock::now();
    watch_until(
        [&] {
          const std::uint64_t changes = total(&Progress::changes);
          if (changes != last_changes) {
            last_changes = changes;
            last_change = Clock::now();
          }
          return everything_arrived() || Clock::now() - last_change >= drain_without_progress;
        },
        give_up);
  }

  bool everything_arrived() const {
    const std::uint64_t sent = total(&Progress::sent);
    if (total(&Progress::acked) < sent) return false;
    if (plan_.scenario != Scenario::pubsub) return true;
    if (plan_.crosses_shards()) return false;  // what other shards send is unknown here: until quiet
    const std::uint64_t receivers =
        plan_.pattern == Pattern::fan_out ? total(&Progress::ready_subscribers) : std::uint64_t{1};
    return total(&Progress::received) >= sent * receivers;
  }

  // Watches the workers until `done()`, the deadline, or a stop signal (false then).
  bool watch_until(const std::function<bool()>& done, Clock::time_point deadline = never) {
    for (;;) {
      collect_seconds(false);
      update_connections();
      draw_progress();
      if (StopSignals::received() != 0) {
        interrupted_ = true;
        return false;
      }
      if (done()) return true;
      const Clock::time_point now = Clock::now();
      if (now >= deadline) return true;
      const Clock::duration wait =
          deadline == never ? watch_period : std::min<Clock::duration>(watch_period, deadline - now);
      pollfd stop{StopSignals::fd(), POLLIN, 0};
      poll(&stop, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
    }
  }

  void draw_progress() {
    if (!live_.terminal()) return;
    const Clock::time_point now = Clock::now();
    if (phase_ == "connect") {
      const std::uint64_t done = resolved();
      live_.bar("connecting", static_cast<double>(done) / static_cast<double>(plan_.clients.size()),
                fmt::format("{}/{} ready, {} failed", done - total(&Progress::failed), plan_.clients.size(),
                            total(&Progress::failed)));
    } else if (phase_ == "ramp" || phase_ == "warmup") {
      const double length = phase_ == "ramp" ? plan_.ramp : plan_.warmup;
      const double elapsed = seconds_between(phase_start_, now);
      live_.bar(phase_ == "ramp" ? "ramping up" : "warming up", elapsed / length,
                fmt::format("{:.0f}/{:.0f} s", elapsed, length));
    }
  }

  void update_connections() {
    if (!metrics_) return;
    const std::uint64_t ready_or_failed = resolved();
    metrics_->set_connections(
        {plan_.clients.size() - std::min<std::uint64_t>(ready_or_failed, plan_.clients.size()),
         total(&Progress::up), total(&Progress::failed)});
  }

  void collect_seconds(bool everything) {
    for (auto& worker : workers_) {
      for (Interval& interval : worker->take_intervals()) {
        if (metrics_) metrics_->add(interval);
        series_.add(std::move(interval));
      }
    }
    for (SecondSample& sample : series_.complete([&](int second) { return phase_at(second); }, everything)) {
      const bool bar_phase = sample.phase == "connect" || sample.phase == "ramp" || sample.phase == "warmup";
      if (!everything && !(live_.terminal() && bar_phase)) live_.line(live_line(sample));
      samples_.push_back(std::move(sample));
    }
  }

  void enter(const char* phase) {
    phase_ = phase;
    phase_start_ = Clock::now();
    phases_.emplace_back(phase_start_, phase);
  }

  // The phase that was on at the end of second `second`.
  std::string phase_at(int second) const {
    const Clock::time_point end = control_.run_start + std::chrono::seconds(second);
    std::string phase = phases_.empty() ? "connect" : phases_.front().second;
    for (const auto& [start, name] : phases_) {
      if (start < end) phase = name;
    }
    return phase;
  }

  void stop_workers() {
    live_.end_bar();
    stop_time_ = Clock::now();
    control_.stop.store(true);
    for (auto& worker : workers_)
      worker->wake();
    for (auto& worker : workers_)
      worker->join();
    collect_seconds(true);
    update_connections();
  }

  std::uint64_t total(std::atomic<std::uint64_t> Progress::*counter) const {
    std::uint64_t sum = 0;
    for (const auto& worker : workers_)
      sum += (worker->progress().*counter).load(std::memory_order_relaxed);
    return sum;
  }
  std::uint64_t resolved() const { return total(&Progress::resolved); }

  Results results() {
    Results results;
    results.scenario = plan_.settings()["scenario"];
    results.description = plan_.description();
    results.settings = plan_.settings();
    results.interrupted = interrupted_;
    results.series = std::move(samples_);
    std::map<std::uint32_t, std::uint64_t> published;
    std::vector<SubscriberStreams> subscribers;
    std::optional<Clock::time_point> first_connect, last_connack, last_send, last_ack, first_receipt,
        last_receipt;
    Clock::duration idle{};
    if (churn_start_) {
      results.churn.emplace();
      results.churn->asked_per_s = plan_.churn;
      results.churn->close = churn_close_name(plan_.churn_close);
      results.churn->seconds = seconds_between(*churn_start_, stop_time_);
    }
    for (auto& worker : workers_) {
      WorkerTotals part = worker->take_totals();
      add_counts(results, part);
      idle += part.idle;
      for (const auto& [number, count] : part.published)
        published[number] = count;
      for (SubscriberStreams& streams : part.subscribers)
        subscribers.push_back(std::move(streams));
      earliest(first_connect, part.first_connect);
      latest(last_connack, part.last_connack);
      latest(last_send, part.last_send);
      latest(last_ack, part.last_ack);
      earliest(first_receipt, part.first_receipt);
      latest(last_receipt, part.last_receipt);
    }
    count_sequences(results.totals, published, subscribers);
    results.run_id = plan_.run_id;
    results.shard = plan_.shard;
    if (plan_.shard.sharded() && plan_.scenario == Scenario::pubsub)
      results.sequences = sequences(published, subscribers);
    if (first_connect && last_connack)
      results.connect_seconds = seconds_between(*first_connect, *last_connack);
    results.measured_seconds = measured_seconds(last_send, first_receipt, last_receipt);
    if (!plan_.duration || plan_.scenario == Scenario::sub) {  // no fixed measured time to count within
      results.acked_in_time.reset();
      results.received_in_time.reset();
    }
    results.load_generator_busy = busy_share(idle, results.measured_seconds);
    if (last_ack) results.ack_seconds = seconds_between(measure_start_, *last_ack);
    if (plan_.scenario == Scenario::sub)
      results.receive_seconds = results.measured_seconds;
    else if (last_receipt)
      results.receive_seconds = seconds_between(measure_start_, *last_receipt);
    results.compute_rates();
    return results;
  }

  // The share of the measured time the workers did not spend blocked, when publishers ran for a
  // --duration, or conn's connects followed a --conn-rate (the windows in which the workers
  // count their idle time).
  std::optional<double> busy_share(Clock::duration idle, double measured) const {
    const bool publishes = plan_.scenario == Scenario::pub || plan_.scenario == Scenario::pubsub;
    if (plan_.scenario == Scenario::conn && plan_.conn_rate > 0)
      measured = static_cast<double>(plan_.clients.size()) / plan_.conn_rate;  // the connect schedule
    else if (!publishes || !plan_.duration)
      return std::nullopt;
    if (measured <= 0) return std::nullopt;
    const double available = measured * static_cast<double>(workers_.size());
    return std::clamp(1 - std::chrono::duration<double>(idle).count() / available, 0.0, 1.0);
  }

  static void add_counts(Results& results, WorkerTotals& part) {
    Totals& totals = results.totals;
    totals.sent += part.sent;
    totals.acked += part.acked;
    totals.received += part.received;
    results.acked_in_time = results.acked_in_time.value_or(0) + part.acked_in_time;
    results.received_in_time = results.received_in_time.value_or(0) + part.received_in_time;
    totals.behind_schedule += part.behind_schedule;
    totals.window_full += part.window_full;
    totals.unrecognized += part.unrecognized;
    totals.connections_attempted += part.connections_attempted;
    totals.connections_made += part.connections_made;
    for (const auto& [cause, count] : part.errors_by_cause)
      totals.errors_by_cause[cause] += count;
    totals.cause_kinds.insert(part.cause_kinds.begin(), part.cause_kinds.end());
    results.latency.merge(part.latency);
    results.ack_latency.merge(part.ack_latency);
    results.connect_latency.merge(part.connect_latency);
    if (results.churn) {
      results.churn->add(part.churn);
      results.reconnect_latency.merge(part.reconnect_latency);
    }
  }

  static void earliest(std::optional<Clock::time_point>& into, std::optional<Clock::time_point> value) {
    if (value && (!into || *value < *into)) into = value;
  }
  static void latest(std::optional<Clock::time_point>& into, std::optional<Clock::time_point> value) {
    if (value && (!into || *value > *into)) into = value;
  }

  // Lost, duplicated and reordered, from what each subscriber saw of each publisher. In pubsub
  // every message a ready subscriber should have had and did not is lost, the tail included; a
  // lone subscriber knows only the gaps.
  void count_sequences(Totals& totals, const std::map<std::uint32_t, std::uint64_t>& published,
                       const std::vector<SubscriberStreams>& subscribers) const {
    for (const SubscriberStreams& subscriber : subscribers) {
      std::map<std::uint64_t, const SequenceChecker*> by_publisher;
      for (const auto& [publisher, checker] : subscriber.streams) {
        by_publisher[publisher] = &checker;
        totals.duplicated += checker.duplicated();
        totals.reordered += checker.reordered();
        if (plan_.scenario == Scenario::sub) totals.lost += checker.missing();
      }
      if (plan_.scenario != Scenario::pubsub || !subscriber.was_ready) continue;
      for (const std::uint32_t source : plan_.sources_of(subscriber.subscriber)) {
        const auto sent = published.find(source);
        if (sent == published.end() && plan_.crosses_shards()) continue;  // counted when the shards merge
        const std::uint64_t count = sent == published.end() ? 0 : sent->second;
        const auto stream = by_publisher.find(plan_.publisher_id(source));
        totals.lost += stream == by_publisher.end() ? count : stream->second->lost(count);
      }
    }
  }

  // What the collected report of a sharded run needs to count the messages lost between shards.
  Sequences sequences(const std::map<std::uint32_t, std::uint64_t>& published,
                      const std::vector<SubscriberStreams>& subscribers) const {
    Sequences sequences;
    sequences.pattern = plan_.settings()["pattern"];
    sequences.publishers = plan_.all_publishers;
    sequences.published = published;
    for (const SubscriberStreams& subscriber : subscribers) {
      if (!subscriber.was_ready) continue;
      sequences.ready_subscribers.push_back(subscriber.subscriber);
      for (const auto& [publisher, checker] : subscriber.streams)
        sequences.streams.push_back({subscriber.subscriber,
                                     static_cast<std::uint32_t>(publisher & 0xffff'ffff), checker.next(),
                                     checker.missing()});
    }
    return sequences;
  }

  double measured_seconds(std::optional<Clock::time_point> last_send,
                          std::optional<Clock::time_point> first_receipt,
                          std::optional<Clock::time_point> last_receipt) const {
    switch (plan_.scenario) {
    case Scenario::conn:
      return seconds_between(measure_start_, measure_end_);
    case Scenario::sub:
      return first_receipt && last_receipt ? seconds_between(*first_receipt, *last_receipt) : 0.0;
    default:
      if (plan_.duration) return seconds_between(measure_start_, measure_end_);
      return last_send ? seconds_between(measure_start_, *last_send) : 0.0;
    }
  }

  const Plan& plan_;
  LiveOutput& live_;
  LiveMetrics* metrics_;
  std::function<bool()> start_gate_;
  Control control_;
  std::unique_ptr<FlowControl> flow_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Series series_;
  std::vector<SecondSample> samples_;
  std::vector<std::pair<Clock::time_point, std::string>> phases_;
  std::string phase_;
  Clock::time_point phase_start_, connect_end_, measure_start_, measure_end_, stop_time_;
  std::optional<Clock::time_point> churn_start_;  // conn --churn: when the hold began
  bool interrupted_ = false;
};

constexpr const char* results_fix = "give files written by mqbench --json";

std::string read_file(const std::string& path) {
  std::ifstream file{path, std::ios::binary};
  const int open_error = errno;
  std::error_code unknown;
  if (std::filesystem::is_directory(path, unknown))  // opens, but reads as nothing
    throw usage_error(fmt::format("cannot read '{}': it is a directory", path), results_fix);
  if (!file)
    throw usage_error(fmt::format("cannot read '{}': {}", path, std::strerror(open_error)), results_fix);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

std::vector<Results> load_results(const std::vector<std::string>& paths) {
  std::vector<Results> parts;
  for (const std::string& path : paths) {
    const std::string text = read_file(path);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw usage_error(fmt::format("'{}' is not an mqbench result: it is empty", path), results_fix);
    const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded())
      throw usage_error(fmt::format("'{}' is not an mqbench result: it is not valid JSON", path),
                        results_fix);
    parts.push_back(results_from_json(document, path));
  }
  return parts;
}

// The error of a run that measured nothing (no connection, no message sent, acknowledged or
// received, as the scenario counts), with the exit code of its most common failure; nothing
// when the run measured something.
std::optional<Error> nothing_measured(const Results& results, const Plan& plan) {
  const Totals& totals = results.totals;
  const auto because = [&totals](Exit code, std::string what, std::string cause, std::string fix) {
    const std::string most_common = totals.most_common_cause();
    if (most_common.empty()) return Error{code, std::move(what), std::move(cause), std::move(fix)};
    const auto kind = totals.cause_kinds.find(most_common);
    return Error{kind != totals.cause_kinds.end() ? kind->second.exit : Exit::network, std::move(what),
                 fmt::format("{} ({} of {} errors)", most_common, totals.errors_by_cause.at(most_common),
                             totals.errors()),
                 kind != totals.cause_kinds.end() ? kind->second.fix : std::string{}};
  };
  if (totals.connections_made == 0)
    return because(Exit::network,
                   totals.connections_attempted == 1 ? std::string{"the connection could not be made"}
                                                     : fmt::format("none of the {} connections could be made",
                                                                   totals.connections_attempted),
                   {}, {});
  const std::string measured = plan.duration ? fmt::format("in the {} s of --duration", *plan.duration)
                                             : std::string{"before the end of the run"};
  const bool publishes = plan.scenario == Scenario::pub || plan.scenario == Scenario::pubsub;
  if (publishes && totals.sent == 0)
    return because(Exit::timeout, "no message was sent", fmt::format("no message was due {}", measured),
                   "give a longer --duration or a higher --rate");
  if (plan.scenario == Scenario::pub && totals.acked == 0)
    return because(Exit::incomplete,
                   fmt::format("none of the {} messages sent was acknowledged", totals.sent),
                   "the broker answered none with PUBACK (QoS 1) or PUBCOMP (QoS 2) before the drain ended",
                   "check the broker and its log");
  // A shard of fan-in may have only publishers: their subscriber is in another shard.
  if (plan.scenario == Scenario::pubsub && plan.subscribers > 0 && totals.received == 0)
    return because(Exit::timeout, fmt::format("none of the {} messages sent arrived", totals.sent),
                   fmt::format("the broker took them ({} acknowledged) but delivered none to the subscribers "
                               "before the drain ended",
                               totals.acked),
                   "check that the broker's ACL lets the subscribers read the publishers' topics");
  if (plan.scenario == Scenario::sub && totals.received == 0)
    return because(Exit::timeout, "no message arrived",
                   fmt::format("nothing was published on '{}' {}", plan.clients.front().topic, measured),
                   "publish while mqbench sub runs (mqbench pub elsewhere), or check -t");
  return std::nullopt;
}

// Says on stderr that some clients failed, when a run measured something all the same: the
// summary and the JSON count them, and --fail-errors gates on them.
void warn_of_errors(const Results& results, const Limits& limits) {
  const Totals& totals = results.totals;
  if (totals.errors() == 0 || limits.errors) return;
  const std::string failed = totals.connections_failed() == 0
                                 ? std::string{}
                                 : fmt::format(", {} of {} connections failed", totals.connections_failed(),
                                               totals.connections_attempted);
  diag::warning(fmt::format(
      "{} {} during the run{}, the most common: {}; --fail-errors N fails a run with more "
      "than N",
      totals.errors(), totals.errors() == 1 ? "error" : "errors", failed, totals.most_common_cause()));
}

// Prints the table (unless a file goes to stdout) and writes the files, with the gates the limits
// give. Then throws `failure`, if any, else an Error for the gates that did not pass.
Exit finish(Results& results, ResultFiles& files, const Limits& limits,
            const std::optional<Error>& failure = std::nullopt, const std::vector<NamedResults>& shown = {}) {
  const std::vector<Gate> gates = check_gates(results, limits);
  if (limits.any()) results.gates = gates;  // without limits, a report keeps the recorded ones
  if (!files.take_standard_output()) write_stdout(summary_table(results, colour_enabled(STDOUT_FILENO)));
  files.write(results, shown);
  if (failure) throw *failure;
  const std::vector<std::string> unmet = unmet_limits(gates);
  if (unmet.empty()) return Exit::ok;
  if (unmet.size() == 1) throw Error{Exit::threshold, unmet.front()};
  throw Error{Exit::threshold, fmt::format("{} --fail-* limits were not met", unmet.size()),
              fmt::format("{}", fmt::join(unmet, "; "))};
}

// Each find-max result among several report files, by its file: merging cannot add up searches
// that each went their own way, so their conclusions are shown side by side.
void print_find_max_results(const std::vector<std::string>& paths, const std::vector<Results>& parts) {
  if (parts.size() < 2) return;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].steps.empty()) continue;
    write_stdout(fmt::format("{}: mqbench {} --find-max: {}\n{}\n", paths[i], parts[i].scenario,
                             parts[i].description, find_max_summary(parts[i].steps, parts[i].interrupted)));
  }
}

// --find-max's first step: conn's --conn-rate, --total-rate, or --rate for every publisher, or
// the default.
double start_rate(const Options& options, const Plan& plan) {
  if (plan.scenario == Scenario::conn)
    return options.load.conn_rate > 0 ? options.load.conn_rate : default_start_rate;
  if (options.message.total_rate) return *options.message.total_rate;
  if (options.message.rate > 0) return options.message.rate * plan.publishers;
  return default_start_rate;
}

ServiceLevel service_level(const Plan& plan, const Limits& limits) {
  const bool fan_out = plan.scenario == Scenario::pubsub && plan.pattern == Pattern::fan_out;
  return ServiceLevel{limits, fan_out ? static_cast<double>(plan.subscribers) : 1.0};
}

// Waits between two steps, as long as a step up to two seconds, so that what the broker still
// queues from one does not weigh on the next; false when a stop signal came.
bool pause_between_steps(double step_seconds) {
  const Clock::time_point end =
      Clock::now() + std::min<Clock::duration>(longest_step_pause, seconds(step_seconds));
  while (Clock::now() < end) {
    if (StopSignals::received() != 0) return false;
    poll(nullptr, 0, static_cast<int>(watch_period.count()));
  }
  return StopSignals::received() == 0;
}

// The local ports the kernel hands out to connect(): the most connections from one address to one
// broker address at once; nothing when the range cannot be read.
std::optional<std::size_t> ephemeral_ports() {
  std::ifstream range{"/proc/sys/net/ipv4/ip_local_port_range"};
  std::size_t low = 0, high = 0;
  if (!(range >> low >> high) || high < low) return std::nullopt;
  return high - low + 1;
}

// Each connection to a broker address takes a local port from the kernel's ephemeral range, and
// connect() tries half of the range first (the even ports): past that half, each connect searches
// the whole range for a free port, which slows connecting down (the kernel's time, not the
// broker's).
void warn_of_port_search(const Plan& plan) {
  const std::optional<std::size_t> ports = ephemeral_ports();
  if (!ports || plan.shapes.empty() || plan.shapes.front().connection.unix_socket) return;
  const std::size_t per_address = plan.clients.size() / plan.shapes.size();
  if (per_address <= *ports / 2) return;
  diag::warning(fmt::format(
      "{} connections from one local address to one broker address use more than half of the kernel's {} "
      "local ports, and then each connect searches them for a free one: connecting slows down (19,000 "
      "connections on a 2-core machine: about 5,000 per second instead of 8,000 with a wider range); widen "
      "the range with sysctl -w net.ipv4.ip_local_port_range='1024 65535'",
      per_address, *ports));
}

// The highest rate a conn --find-max step can ask for: a step holds rate × --step-duration
// connections at its end, each needing a descriptor and, to its broker, a local port.
double highest_connect_rate(const Plan& plan, double step_seconds, std::size_t max_connections) {
  std::size_t connections = max_connections;
  if (const auto ports = ephemeral_ports()) connections = std::min(connections, *ports * plan.shapes.size());
  return std::max(1.0, static_cast<double>(connections) / step_seconds);
}

// The plan of one conn --find-max step: `rate` × the step's seconds fresh connections started at
// `rate`, closed as soon as every one has answered; the shapes as check_brokers left them.
Plan connect_step_plan(const Options& options, const Plan& checked, double rate,
                       std::size_t max_connections) {
  Options step = options;
  step.load.clients = static_cast<int>(std::clamp(std::llround(rate * options.search.step_duration), 1LL,
                                                  static_cast<long long>(max_connections)));
  step.load.conn_rate = rate;
  step.load.hold = 0;
  Plan plan = make_plan(step, max_connections);
  plan.shapes = checked.shapes;
  plan.duration = options.search.step_duration;
  return plan;
}

// --find-max: a run per step at the rate the search asks for, each with fresh connections (and a
// fresh tag, so that a late message of one step is never counted in the next), until the search
// ends or a stop signal comes; then the steps and the limit, printed and written. conn steps
// open connections at the rate instead of publishing at it.
Exit find_max(const Options& options, Plan& plan, ResultFiles& files, std::size_t max_connections,
              LiveMetrics* metrics) {
  const bool connects = plan.scenario == Scenario::conn;
  const double highest = connects ? highest_connect_rate(plan, options.search.step_duration, max_connections)
                                  : SearchSettings{}.highest;
  FindMax search{search_settings(start_rate(options, plan), options.search.precision, highest),
                 service_level(plan, options.output.limits())};
  LiveOutput live;
  std::optional<Error> failure;
  bool interrupted = false;
  plan.count.reset();
  plan.duration = options.search.step_duration;
  live.line(step_heading());
  while (const auto rate = search.next_rate()) {
    if (!search.steps().empty() && !pause_between_steps(*plan.duration)) {
      interrupted = true;
      break;
    }
    const Plan step_plan = connects ? connect_step_plan(options, plan, *rate, max_connections) : [&] {
      plan.rate = *rate / plan.publishers;
      plan.run_tag = static_cast<std::uint32_t>(std::random_device{}());
      return plan;
    }();
    live.line(fmt::format("step {}: {}/s for {} s{}", search.steps().size() + 1, rate_text(*rate),
                          *plan.duration,
                          connects ? fmt::format(", {} connections", step_plan.clients.size()) : ""));
    Results results = Run{step_plan, live, metrics}.execute();
    if (results.interrupted) {  // a step cut short says nothing about its rate
      interrupted = true;
      break;
    }
    if (results.totals.connections_made == 0) {
      failure = nothing_measured(results, step_plan);
      break;
    }
    const Step& step = search.add(*rate, std::move(results));
    live.line(step_line(step, search.steps().size()));
  }
  if (interrupted) failure = interrupted_error(StopSignals::received());
  Results conclusion = search.conclusion(plan.settings(), interrupted);
  const Step* lowest_failure = first_failure_above_limit(search.steps());
  if (!failure && !limit_step(search.steps()) && lowest_failure)
    failure = Error{Exit::threshold, "no rate met the service level",
                    fmt::format("the lowest rate tried, {}/s: {}", rate_text(lowest_failure->asked),
                                lowest_failure->failure),
                    "check the broker, or loosen the --fail-* limits"};
  return finish(conclusion, files, Limits{}, failure);
}

// --metrics-port: the live metrics and their endpoint, for as long as the run (the server,
// declared last, stops first).
struct MetricsEndpoint {
  MetricsEndpoint(const MetricsOptions& options, const Plan& plan)
      : metrics(run_identity(plan)),
        server(options, [this](ExpositionFormat format) { return metrics.exposition(format); }) {}
  LiveMetrics metrics;
  MetricsServer server;
};

std::unique_ptr<MetricsEndpoint> start_metrics(const MetricsOptions& options, const Plan& plan) {
  if (!options.port) return nullptr;
  auto endpoint = std::make_unique<MetricsEndpoint>(options, plan);
  diag::info(fmt::format("metrics at {} (run {}, shard {})", endpoint->server.url(),
                         endpoint->metrics.identity().run_id, endpoint->metrics.identity().shard));
  return endpoint;
}

// The options of a run over several processes that the command line parser cannot check.
void check_shard_options(const Options& options, const Shard& shard) {
  const ShardOptions& shards = options.shards;
  if (options.search.find_max &&
      (shard.sharded() || shards.barrier || shards.start_at || shards.publish_result))
    throw usage_error(
        "--find-max cannot be split over shards, nor wait at a barrier or publish its result",
        "run --find-max as one process, or drop --shard, --barrier, --start-at and --publish-result");
  if (shard.sharded() && !shards.run_id)
    throw usage_error(fmt::format("shard {} needs --run-id", shard.text()),
                      "give every shard of the run the same --run-id: each would make its own default");
  if (shards.run_id) check_run_id(*shards.run_id);
}

// The connection of this shard's coordination, with a client id of its own.
ClientOptions coordination_of(const Plan& plan, const char* role) {
  return coordination_connection(plan.shapes.front(),
                                 coordination_client_id(plan.run_id, role, plan.shard.index));
}

// What holds the load back once the clients are connected: the barrier, then --start-at.
std::function<bool()> start_gate(const Options& options, const Plan& plan, const RunTopics& topics,
                                 LiveOutput& live) {
  const ShardOptions& shards = options.shards;
  if (!shards.barrier && !shards.start_at) return {};
  std::optional<std::chrono::system_clock::time_point> start_at;
  if (shards.start_at) start_at = parse_start_time(*shards.start_at, "--start-at");
  return [&options, &plan, &topics, &live, start_at] {
    if (options.shards.barrier) {
      live.line(fmt::format("shard {} of run {} ready; waiting for the others at the barrier",
                            plan.shard.text(), plan.run_id));
      if (!wait_for_shards(coordination_of(plan, "ready"), topics, plan.shard,
                           std::chrono::duration<double>(options.shards.barrier_timeout)))
        return false;
    }
    if (start_at) {
      live.line(fmt::format("starting at {}", *options.shards.start_at));
      if (!wait_until(*start_at)) return false;
    }
    return true;
  };
}

// report --collect: the shards' results from the broker, merged as one run; cleared afterwards
// unless --keep (and kept when the report could not be written).
Exit collect(const Options& options, ResultFiles& files, const Limits& limits) {
  const ShardOptions& shards = options.shards;
  if (!options.output.report_files.empty())
    throw usage_error("report --collect takes its results from the broker, not from files",
                      "give FILE... or --collect, not both");
  if (!shards.run_id || !shards.shards)
    throw usage_error("report --collect needs the --run-id and the number of --shards of the run",
                      "give --collect --run-id ID --shards N");
  check_run_id(*shards.run_id);
  const RunTopics topics = run_topics(shards.prefix(*shards.run_id));
  MosquittoLibrary library;
  StopSignals::install();
  const std::vector<Results> parts = collect_results(options.client, topics, *shards.run_id, *shards.shards,
                                                     std::chrono::duration<double>(shards.timeout));
  std::vector<NamedResults> shown;
  for (const Results& part : parts)
    shown.push_back({fmt::format("shard {}", part.shard->text()), part});
  Results merged = merge(parts);
  std::optional<Error> unmet;
  Exit code = Exit::ok;
  try {
    code = finish(merged, files, limits, std::nullopt, shown);
  } catch (const Error& error) {
    if (error.code() != Exit::threshold) throw;
    unmet = error;
  }
  if (!shards.keep) clear_run(options.client, topics, *shards.run_id, *shards.shards);
  if (unmet) throw *unmet;
  return code;
}

}  // namespace

Exit run(const Options& options) {
  const Limits limits = options.output.limits();
  ResultFiles files{options.output};
  if (options.scenario == Scenario::report) {
    if (options.shards.collect) return collect(options, files, limits);
    if (options.output.report_files.empty())
      throw usage_error(
          "mqbench report needs result files, or --collect",
          "give the FILEs written by mqbench --json, or --collect --run-id ID --shards N -h BROKER");
    const std::vector<Results> parts = load_results(options.output.report_files);
    if (!files.take_standard_output()) print_find_max_results(options.output.report_files, parts);
    std::vector<NamedResults> shown;
    for (std::size_t i = 0; i < parts.size(); ++i)
      shown.push_back({std::filesystem::path{options.output.report_files[i]}.filename().string(), parts[i]});
    Results merged = merge(parts);
    return finish(merged, files, limits, std::nullopt, shown);
  }
  const Shard shard =
      resolve_shard(options.shards.shard, std::getenv("MQBENCH_SHARDS"), std::getenv("JOB_COMPLETION_INDEX"));
  check_shard_options(options, shard);
  const std::size_t max_connections = raise_file_limit() / descriptors_per_connection(options.client);
  Plan plan = make_plan(options, max_connections, shard);
  warn_of_port_search(plan);
  const RunTopics topics = run_topics(options.shards.prefix(plan.run_id));
  LiveOutput live;
  const std::function<bool()> gate = start_gate(options, plan, topics, live);
  MosquittoLibrary library;  // one initialisation for the whole run
  StopSignals::install();
  const std::unique_ptr<MetricsEndpoint> endpoint = start_metrics(options.metrics, plan);
  LiveMetrics* const metrics = endpoint ? &endpoint->metrics : nullptr;
  check_brokers(plan);
  if (options.search.find_max) return find_max(options, plan, files, max_connections, metrics);
  Results results = Run{plan, live, metrics, gate}.execute();
  if (options.shards.barrier || options.shards.publish_result)
    end_shard(coordination_of(plan, "end"), topics, plan.shard, options.shards.barrier,
              options.shards.publish_result ? std::optional<std::string>{to_json(results).dump()}
                                            : std::nullopt);
  if (results.interrupted) return finish(results, files, limits, interrupted_error(StopSignals::received()));
  const std::optional<Error> failure = nothing_measured(results, plan);
  if (!failure) warn_of_errors(results, limits);
  return finish(results, files, limits, failure);
}

}  // namespace mq::bench
