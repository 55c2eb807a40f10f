#include "engine.hpp"

#include <fmt/format.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "churn.hpp"
#include "in_flight.hpp"
#include "mq/session.hpp"
#include "mq/socket_buffers.hpp"
#include "mq/tls.hpp"
#include "publisher_turns.hpp"
#include "reactor.hpp"
#include "session_sockets.hpp"
#include "stamp.hpp"

namespace mq::bench {
namespace {

using namespace std::chrono_literals;

constexpr int publish_budget = 64;                           // per publisher and loop turn, so all get turns
constexpr std::size_t connects_in_flight_without_rate = 64;  // per thread, when --conn-rate is 0
constexpr auto longest_wait = 100ms;                         // the loop looks at Control at least this often
constexpr auto disconnect_grace = 2s;
constexpr auto flow_stall = 100ms;  // a publisher waiting this long sends one more: a lost tail
                                    // would otherwise hold it forever

struct Anchor {
  Clock::time_point steady;
  std::uint64_t wall_ns;
};

const Anchor& anchor() {
  static const Anchor value{
      Clock::now(), static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count())};
  return value;
}

// reconnecting and closing: conn --churn reopening a held connection (closing: its DISCONNECT is
// being written).
enum class State { waiting, connecting, subscribing, ready, reconnecting, closing, failed };

bool awaiting_connack(State state) { return state == State::connecting || state == State::reconnecting; }

}  // namespace

std::uint64_t wall_nanoseconds(Clock::time_point time) {
  const Anchor& base = anchor();
  return base.wall_ns + static_cast<std::uint64_t>(
                            std::chrono::duration_cast<std::chrono::nanoseconds>(time - base.steady).count());
}

namespace {

std::optional<Clock::time_point> after_start(Clock::time_point run_start,
                                             const std::atomic<std::int64_t>& offset_ns) {
  const std::int64_t offset = offset_ns.load(std::memory_order_acquire);
  if (offset < 0) return std::nullopt;
  return run_start + std::chrono::nanoseconds(offset);
}

}  // namespace

std::optional<Clock::time_point> Control::publish_start() const {
  return after_start(run_start, publish_start_ns);
}

std::optional<Clock::time_point> Control::churn_start() const {
  return after_start(run_start, churn_start_ns);
}

// One client: its session and what it is doing. libmosquitto calls back into it from inside the
// session's handle_* calls; it forwards to the loop, which keeps all the counting in one place.
class Client : public SessionEvents {
public:
  Client(WorkerLoop& owner, const ClientPlan& client_plan) : loop(owner), plan(client_plan), sockets(*this) {}

  void on_connected(const ConnackInfo&) override;
  void on_message(const Message& message) override;
  void on_publish_done(int mid, int reason_code) override;
  void on_subscribed(int mid, std::span<const int> granted) override;

  WorkerLoop& loop;
  const ClientPlan& plan;
  std::unique_ptr<Session> session;
  State state = State::waiting;
  Clock::time_point connect_started;
  bool counted_up = false;
  SessionSockets<Client> sockets;
  int subscribe_mid = -1;
  bool was_ready = false;
  bool input_buffered = false;  // in WorkerLoop::buffered_input_
  // Publishers.
  std::optional<Schedule> schedule;
  std::uint64_t sequence = 0;
  std::uint64_t warmup_sequence = 0;
  std::uint64_t measured_sent = 0;
  std::uint64_t confirmed = 0;  // QoS 1 and 2 messages the broker acknowledged
  InFlight in_flight;
  std::optional<PendingPublish> publishing;  // being handed to libmosquitto: its mid is not known yet
  std::optional<Error> failed_publish;       // what publish() threw, until settled
  bool publishing_done = false;
  bool finished = false;
  bool blocked = false;
  bool queued = false;
  bool flow_waiting = false;  // for its subscribers to receive (end-to-end flow control)
  bool flow_probe = false;    // may send one message although the window is full
  Clock::time_point flow_waiting_since;
  // Subscribers.
  std::unordered_map<std::uint64_t, SequenceChecker> streams;
};

class WorkerLoop {
public:
  WorkerLoop(Worker& owner, const Plan& plan, Control& control, FlowControl* flow,
             std::vector<const ClientPlan*> clients, int index);
  ~WorkerLoop();

  void run();
  void wake() { reactor_.wake(); }
  WorkerTotals take_totals();

  void connected(Client& client);
  void received(Client& client, const Message& message);
  void published(Client& client, int mid, int reason_code);
  void subscribed(Client& client, int mid, std::span<const int> granted);

private:
  void open_tls_contexts();
  void turn(Clock::time_point now);
  void wait(Clock::time_point now);
  void count_idle(Clock::time_point from, Clock::time_point to);
  bool connect_schedule_under_way() const;
  void start_due_connects(Clock::time_point now);
  Clock::time_point connect_time(std::size_t position) const;
  void start_connect(Client& client, Clock::time_point now);
  void open_session(Client& client);
  void churn_due_connections(Clock::time_point now);
  void close_for_churn(Client& client, Clock::time_point due, Clock::time_point now);
  void reopen(Client& client);
  void finish_churn();
  bool any_reopening() const;
  void check_timeouts(Clock::time_point now);
  void housekeeping(Clock::time_point now);
  void roll_intervals(Clock::time_point now);
  void hand_over(Interval interval);
  bool in_time(Clock::time_point now) const { return now <= measure_end_; }
  void start_publishers_when_told();
  void start_publisher(Client& client);
  void run_publishers(Clock::time_point now);
  void run_publisher(Client& client, Clock::time_point now);
  bool publish_next(Client& client, Clock::time_point now);
  void settle_failed_publish(Client& client);
  bool flow_allows(Client& client, Clock::time_point now);
  void recheck_flow(Clock::time_point now);
  bool still_flow_waiting(const Client& client);
  void finish_publisher(Client& client);
  void handle(const SessionSockets<Client>::Tag& socket, std::uint32_t events);
  void handle_buffered_input();
  void after_call(Client& client);
  void sync_registration(Client& client);
  void fail(Client& client, const Error& failure);
  Error explained(const Client& client, const Error& failure) const;
  void resolve(Client& client);
  void shut_down();
  bool any_socket_open() const;

  Worker& owner_;
  const Plan& plan_;
  Control& control_;
  FlowControl* flow_;
  std::vector<Client*> flow_waiting_;
  std::vector<Client*> buffered_input_;     // input read ahead, which makes no socket readable
  std::vector<Client*> handling_buffered_;  // buffered_input_ being handled: both keep their storage
  Progress& progress_;
  int index_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::shared_ptr<TlsContext>> tls_;  // per shape
  Reactor reactor_;
  std::size_t next_connect_ = 0;
  std::size_t connecting_ = 0;
  Clock::time_point next_housekeeping_;
  bool publishers_started_ = false;
  Clock::time_point publish_start_, measure_start_, measure_end_;
  PublisherTurns<Client> turns_;
  std::optional<ChurnSchedule> churn_;  // conn --churn, once the hold started
  RoundRobin churn_turn_;
  bool churn_starved_ = false;  // a churn is due but no connection is held: wait for a reopening
  Clock::time_point last_churn_turn_;
  std::size_t window_;  // messages in flight per publisher (-M)
  std::string payload_;
  Accounting accounting_;
};

void Client::on_connected(const ConnackInfo&) { loop.connected(*this); }
void Client::on_message(const Message& message) { loop.received(*this, message); }
void Client::on_publish_done(int mid, int reason_code) { loop.published(*this, mid, reason_code); }
void Client::on_subscribed(int mid, std::span<const int> granted) { loop.subscribed(*this, mid, granted); }

WorkerLoop::WorkerLoop(Worker& owner, const Plan& plan, Control& control, FlowControl* flow,
                       std::vector<const ClientPlan*> clients, int index)
    : owner_(owner), plan_(plan), control_(control), flow_(flow), progress_(owner.progress_), index_(index),
      window_(static_cast<std::size_t>(plan.shapes.front().connection.max_inflight)),
      payload_(plan.size, 'x'), accounting_(owner.progress_, control.run_start) {
  for (const ClientPlan* client : clients)
    clients_.push_back(std::make_unique<Client>(*this, *client));
  next_housekeeping_ = control.run_start + 1s;
  open_tls_contexts();
}

WorkerLoop::~WorkerLoop() {
  clients_.clear();  // sessions first: they close their sockets
}

// One context per broker host for all the clients of this thread: loading the CA and key for
// each of thousands of clients would cost seconds and megabytes.
void WorkerLoop::open_tls_contexts() {
  for (const ClientOptions& shape : plan_.shapes)
    tls_.push_back(shape.tls.enabled() ? std::make_shared<TlsContext>(shape.tls, shape.connection.host)
                                       : nullptr);
}

void WorkerLoop::run() {
  while (!control_.stop.load(std::memory_order_relaxed)) {
    const Clock::time_point now = Clock::now();
    turn(now);
    wait(now);
  }
  shut_down();
  roll_intervals(Clock::now());
  hand_over(accounting_.close_second());  // the last, partial second
}

void WorkerLoop::turn(Clock::time_point now) {
  start_due_connects(now);
  start_publishers_when_told();
  if (plan_.churn > 0) churn_due_connections(now);
  if (!flow_waiting_.empty()) recheck_flow(now);
  run_publishers(now);
  if (now >= next_housekeeping_) housekeeping(now);
  if (now >= accounting_.next_second()) roll_intervals(now);
}

void WorkerLoop::wait(Clock::time_point now) {
  const bool connects_due = connect_schedule_under_way();
  Clock::time_point until = std::min({now + longest_wait, accounting_.next_second(), next_housekeeping_});
  if (const auto round = turns_.next_due(now)) until = std::min(until, *round);
  if (churn_ && !churn_starved_) until = std::min(until, churn_->next_due());
  for (const Client* client : flow_waiting_)
    until = std::min(until, client->flow_waiting_since + flow_stall);
  if (next_connect_ < clients_.size() &&
      (plan_.conn_rate > 0 || connecting_ < connects_in_flight_without_rate))
    until = std::min(until, connect_time(next_connect_));
  const Clock::time_point before = Clock::now();
  if (!buffered_input_.empty()) until = before;
  const Clock::duration blocked = reactor_.wait(until - before, [this](void* socket, std::uint32_t events) {
    handle(*static_cast<const SessionSockets<Client>::Tag*>(socket), events);
  });
  if (connects_due)
    accounting_.totals().idle += blocked;
  else
    count_idle(before, before + blocked);
  handle_buffered_input();
}

// A client whose handle_readable() stopped at its limit with input still in the read buffer.
void WorkerLoop::handle_buffered_input() {
  handling_buffered_.swap(buffered_input_);  // a client still holding input joins buffered_input_ again
  for (Client* client : handling_buffered_) {
    client->input_buffered = false;
    if (!client->session) continue;
    client->session->handle_readable();
    after_call(*client);
  }
  handling_buffered_.clear();
}

// mqbench conn at a --conn-rate measures its connect schedule: whether this thread had time to
// spare while connects were still due (a thread that never blocks starts them late).
bool WorkerLoop::connect_schedule_under_way() const {
  return plan_.scenario == Scenario::conn && plan_.conn_rate > 0 && next_connect_ < clients_.size();
}

// The time this thread spent blocked while the load was measured: what it had to spare. A loop
// that never blocks is the bottleneck itself, whatever the broker could take.
void WorkerLoop::count_idle(Clock::time_point from, Clock::time_point to) {
  if (!publishers_started_) return;
  const Clock::time_point start = std::max(from, measure_start_);
  const Clock::time_point end = std::min(to, measure_end_);
  if (end > start) accounting_.totals().idle += end - start;
}

// Client k of this thread is client k * threads + index of the run: with --conn-rate R it is
// due at k * threads + index over R seconds after the start.
Clock::time_point WorkerLoop::connect_time(std::size_t position) const {
  if (plan_.conn_rate <= 0) return control_.run_start;
  const double global = static_cast<double>(position * static_cast<std::size_t>(plan_.threads) +
                                            static_cast<std::size_t>(index_));
  return control_.run_start +
         std::chrono::nanoseconds(static_cast<std::int64_t>(global * 1e9 / plan_.conn_rate));
}

void WorkerLoop::start_due_connects(Clock::time_point now) {
  while (next_connect_ < clients_.size() && connect_time(next_connect_) <= now) {
    if (plan_.conn_rate <= 0 && connecting_ >= connects_in_flight_without_rate) return;
    Client& client = *clients_[next_connect_];
    // With a rate, a connect is timed from when it was due, so a slow broker shows; without
    // one, from when it starts.
    start_connect(client, plan_.conn_rate > 0 ? connect_time(next_connect_) : now);
    ++next_connect_;
  }
}

void WorkerLoop::start_connect(Client& client, Clock::time_point due) {
  client.connect_started = due;
  accounting_.connect_started(due);
  ++connecting_;
  client.state = State::connecting;
  open_session(client);
}

void WorkerLoop::open_session(Client& client) {
  try {
    client.session =
        std::make_unique<Session>(plan_.shapes[client.plan.shape], client,
                                  SessionOverrides{client.plan.client_id, tls_[client.plan.shape]});
    // One read() for many packets (libmosquitto makes three or four per packet), and one
    // write() for a publisher's burst (run_publisher).
    client.session->enable_socket_buffers(process_socket_buffers());
    client.session->start_connect();
  } catch (const Error& failure) {
    fail(client, failure);
    return;
  }
  after_call(client);
}

void WorkerLoop::connected(Client& client) {
  if (client.state == State::reconnecting) {
    accounting_.reconnected(client.connect_started, Clock::now());
    client.state = State::ready;
    return;
  }
  accounting_.connected(client.connect_started, Clock::now());
  if (client.plan.role == Role::subscriber) {
    client.state = State::subscribing;
    client.subscribe_mid = client.session->subscribe({client.plan.topic}, plan_.qos);
    return;
  }
  resolve(client);
  if (client.plan.role == Role::publisher && publishers_started_) start_publisher(client);
}

void WorkerLoop::subscribed(Client& client, int mid, std::span<const int> granted) {
  if (mid != client.subscribe_mid || client.state != State::subscribing) return;
  if (granted.empty() || granted[0] >= 0x80) {
    const int code = granted.empty() ? 0x80 : granted[0];
    client.session->fail(Error{exit_for_reason(code),
                               fmt::format("the broker refused the subscription to '{}'", client.plan.topic),
                               reason_text(code, ProtocolVersion::v5)});
    return;
  }
  resolve(client);
  bump(progress_.ready_subscribers);
}

// The client is ready (connected, and subscribed if it subscribes) or failed: the connect
// phase is over for it.
void WorkerLoop::resolve(Client& client) {
  if (client.session && client.session->connected() && !client.counted_up) {
    // Counted up before resolved: the main thread, seeing every client resolved and none up,
    // ends the run.
    client.counted_up = true;
    bump(progress_.up);
  }
  if (client.state == State::connecting || client.state == State::subscribing) {
    --connecting_;
    bump(progress_.resolved);
  }
  if (client.state != State::failed) {
    client.state = State::ready;
    client.was_ready = true;
  }
}

void WorkerLoop::received(Client& client, const Message& message) {
  const Clock::time_point now = Clock::now();
  const std::optional<Stamp> stamp = message.retain ? std::nullopt : read_stamp(message.payload);
  const bool ours =
      stamp && (plan_.scenario != Scenario::pubsub || (stamp->publisher >> 32) == plan_.run_tag);
  if (!ours) {
    accounting_.unrecognized();
    return;
  }
  if (flow_)
    flow_->delivered(static_cast<std::uint32_t>(stamp->publisher & 0xffff'ffff) - plan_.first_publisher,
                     client.plan.number, *stamp);
  if (stamp->warmup) return;
  auto stream = client.streams.find(stamp->publisher);
  if (stream == client.streams.end()) {
    // In pubsub the subscriber was there before the first message; a lone subscriber may not be.
    const std::optional<std::uint64_t> first =
        plan_.scenario == Scenario::pubsub ? std::optional<std::uint64_t>{0} : std::nullopt;
    stream = client.streams.emplace(stamp->publisher, SequenceChecker{first}).first;
  }
  const std::uint64_t missing_before = stream->second.missing();
  const SequenceChecker::Arrival arrival = stream->second.record(stamp->sequence);
  accounting_.checked(arrival, static_cast<std::int64_t>(stream->second.missing()) -
                                   static_cast<std::int64_t>(missing_before));
  const std::uint64_t now_ns = wall_nanoseconds(now);
  const std::uint64_t latency_us = now_ns > stamp->scheduled_ns ? (now_ns - stamp->scheduled_ns) / 1000 : 0;
  accounting_.received(latency_us, now, in_time(now));
}

void WorkerLoop::published(Client& client, int mid, int reason_code) {
  std::optional<PendingPublish> done = client.in_flight.take(mid);
  if (!done && client.publishing && !client.publishing_done) {
    // libmosquitto wrote it inside publish() itself, before returning its mid to us.
    done = client.publishing;
    client.publishing_done = true;
  }
  if (!done) return;
  if (reason_code >= 0x80) {
    const Exit code = exit_for_reason(reason_code);
    accounting_.error(
        Error{code,
              fmt::format("the broker refused publishes ({})", reason_text(reason_code, ProtocolVersion::v5)),
              {},
              code == Exit::authorization ? "allow the publishers' topics in the broker's ACL"
                                          : "see the broker's log for why"});
  } else if (plan_.qos > 0) {
    ++client.confirmed;
  }
  if (reason_code < 0x80 && done->measured) {
    const Clock::time_point now = Clock::now();
    accounting_.acknowledged(done->scheduled, now, in_time(now));
  }
  if (client.blocked && client.in_flight.reopens()) {
    client.blocked = false;
    turns_.next_round(client);
  }
}

void WorkerLoop::start_publishers_when_told() {
  if (publishers_started_) return;
  const std::optional<Clock::time_point> start = control_.publish_start();
  if (!start) return;
  publishers_started_ = true;
  publish_start_ = *start;
  measure_start_ = publish_start_ + seconds(plan_.ramp + plan_.warmup);
  measure_end_ = plan_.duration ? measure_start_ + seconds(*plan_.duration) : Clock::time_point::max();
  for (auto& client : clients_) {
    if (client->plan.role == Role::publisher && client->state == State::ready) start_publisher(*client);
  }
}

void WorkerLoop::start_publisher(Client& client) {
  if (client.schedule) return;
  const double ramp_share =
      plan_.all_publishers > 1 ? static_cast<double>(client.plan.global) / plan_.all_publishers : 0;
  const Clock::time_point start = publish_start_ + seconds(plan_.ramp * ramp_share);
  client.schedule.emplace(plan_.rate, start);
  client.in_flight.reserve_window(window_);
  turns_.at(start, client);
}

void WorkerLoop::run_publishers(Clock::time_point now) {
  for (Client* client : turns_.take_round(now))
    run_publisher(*client, now);
}

void WorkerLoop::run_publisher(Client& client, Clock::time_point now) {
  if (client.state != State::ready || client.finished || !client.schedule) return;
  // A burst: its messages leave with one write(), as full segments, not one call and segment each.
  client.session->batch_writes(true);
  for (int budget = publish_budget; budget > 0 && client.schedule->due(now); --budget) {
    if (client.in_flight.full()) {
      client.blocked = true;
      if (publishers_started_ && now >= measure_start_ && now < measure_end_)
        ++accounting_.totals().window_full;
      break;
    }
    if (!flow_allows(client, now) || !publish_next(client, now)) break;
  }
  if (client.session) client.session->batch_writes(false);
  if (client.failed_publish) settle_failed_publish(client);
  after_call(client);
  if (client.state != State::ready || client.finished || client.blocked || client.flow_waiting) return;
  if (client.schedule->due(now))
    turns_.next_round(client);  // its budget ran out: it continues after the others had their turn
  else
    turns_.at(client.schedule->next_time(), client);
}

// Sends the next message of `client`; false when it has none left to send.
bool WorkerLoop::publish_next(Client& client, Clock::time_point now) {
  const Clock::time_point scheduled = client.schedule->unlimited() ? now : client.schedule->next_time();
  const bool measured = scheduled >= measure_start_;
  const std::optional<std::uint64_t> quota = plan_.quota(client.plan.global);
  if (measured && (scheduled >= measure_end_ || (quota && client.measured_sent >= *quota))) {
    finish_publisher(client);
    return false;
  }
  client.schedule->take(now);
  write_stamp(Stamp{plan_.publisher_id(client.plan.global),
                    measured ? client.sequence++ : client.warmup_sequence++, wall_nanoseconds(scheduled),
                    !measured},
              payload_);
  client.publishing = PendingPublish{-1, scheduled, measured};
  client.publishing_done = false;
  int mid = -1;
  try {
    mid = client.session->publish(client.plan.topic, payload_, plan_.qos, plan_.retain,
                                  plan_.publish_properties.get());
  } catch (const Error& failure) {
    client.publishing.reset();
    client.failed_publish = failure;
    return false;
  }
  if (!client.publishing_done) {
    PendingPublish entry = *client.publishing;
    entry.mid = mid;
    client.in_flight.add(entry);  // room for the window, which run_publisher keeps to
  }
  client.publishing.reset();
  if (measured) {
    ++client.measured_sent;
    accounting_.sent(scheduled, now);
    if (quota && client.measured_sent >= *quota) finish_publisher(client);
  }
  return !client.finished;
}

// publish() also fails when writing fails because the broker closed the connection (as a
// v3.1.1 broker does over a message it does not accept): that is the connection's loss, which the
// session reports once it reads the socket. Anything else is about the message itself.
void WorkerLoop::settle_failed_publish(Client& client) {
  const Error failure = *std::exchange(client.failed_publish, std::nullopt);
  client.session->handle_readable();
  if (!client.session->failed()) client.session->fail(failure);
}

// Whether the publisher's messages on their way to its subscribers leave room for one more; if
// not, it waits until half of them arrived (a delivery wakes this thread), or for a stall.
bool WorkerLoop::flow_allows(Client& client, Clock::time_point now) {
  if (!flow_) return true;
  if (std::exchange(client.flow_probe, false)) return true;
  const FlowControl::Sent sent{client.warmup_sequence, client.sequence};
  if (flow_->open(client.plan.number, sent) || !flow_->wait(client.plan.number, sent)) return true;
  client.flow_waiting = true;
  client.flow_waiting_since = now;
  flow_waiting_.push_back(&client);
  return false;
}

// A waiting publisher goes on once half its window is through (not at the first delivery, so that
// it sends a burst: one write() for many messages), or after a stall.
void WorkerLoop::recheck_flow(Clock::time_point now) {
  std::vector<Client*> waiting;
  waiting.swap(flow_waiting_);
  for (Client* client : waiting) {
    if (client->state == State::ready && !client->finished && still_flow_waiting(*client)) {
      if (now - client->flow_waiting_since < flow_stall) {
        flow_waiting_.push_back(client);
        continue;
      }
      // Nothing arrived for a while: the broker dropped the last messages, or is slow. One more
      // message shows which, at little cost when it is slow.
      client->flow_probe = true;
    }
    flow_->stop_waiting(client->plan.number);
    client->flow_waiting = false;
    turns_.next_round(*client);
  }
}

bool WorkerLoop::still_flow_waiting(const Client& client) {
  if (flow_->waiting(client.plan.number)) return true;  // not woken: more than half a window on its way
  const FlowControl::Sent sent{client.warmup_sequence, client.sequence};
  // Woken by one subscriber while another is still behind: it waits for that one.
  return !flow_->open(client.plan.number, sent) && flow_->wait(client.plan.number, sent);
}

void WorkerLoop::finish_publisher(Client& client) {
  if (client.finished) return;
  client.finished = true;
  bump(progress_.publishers_done);
}

void WorkerLoop::handle(const SessionSockets<Client>::Tag& socket, std::uint32_t events) {
  Client& client = *socket.owner;
  if (!client.session) return;  // failed earlier in this batch of events
  if (socket.index != 0) {
    SessionSockets<Client>::handle_relay(*client.session, socket, events);
  } else if (awaiting_connack(client.state)) {
    // An async connect or a TLS handshake in progress waits for either direction.
    client.session->handle_readable();
    if (client.session->socket() >= 0) client.session->handle_writable();
  } else {
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) client.session->handle_readable();
    if ((events & EPOLLOUT) && client.session->socket() >= 0) client.session->handle_writable();
  }
  after_call(client);
}

// After every call into a session: record a failure it found, and watch its socket as it now
// needs (the socket may have closed, or want to write).
void WorkerLoop::after_call(Client& client) {
  if (!client.session) return;
  if (client.session->failed()) {
    try {
      client.session->rethrow_if_failed();
    } catch (const Error& failure) {
      fail(client, failure);
      return;
    }
  }
  if (client.state == State::closing && client.session->socket() < 0) {  // its DISCONNECT is written
    reopen(client);
    return;
  }
  if (client.state == State::reconnecting || client.state == State::closing) {
    // Still counted up: the run ends when no connection is left, and this one is coming back.
    sync_registration(client);
    return;
  }
  if (client.session->connected() && !client.counted_up) {
    client.counted_up = true;
    bump(progress_.up);
  } else if (!client.session->connected() && client.counted_up) {
    client.counted_up = false;
    progress_.up.fetch_sub(1, std::memory_order_relaxed);
  }
  if (!client.input_buffered && client.session->has_buffered_input()) {
    client.input_buffered = true;
    buffered_input_.push_back(&client);
  }
  sync_registration(client);
}

void WorkerLoop::sync_registration(Client& client) {
  if (!client.sockets.sync(reactor_, client.session.get()))
    fail(client, Error{Exit::internal, fmt::format("cannot watch a socket: {}", std::strerror(errno))});
}

void WorkerLoop::fail(Client& client, const Error& failure) {
  accounting_.error(explained(client, failure));
  if (client.state == State::reconnecting || client.state == State::closing) {
    accounting_.reconnect_failed(failure);
  }
  bump(progress_.failed);
  if (client.state == State::connecting || client.state == State::subscribing) {
    --connecting_;
    bump(progress_.resolved);
  }
  if (client.counted_up) progress_.up.fetch_sub(1, std::memory_order_relaxed);
  client.counted_up = false;
  client.state = State::failed;
  if (client.plan.role == Role::publisher) finish_publisher(client);
  if (client.plan.role == Role::subscriber && flow_) flow_->retire(client.plan.number);
  client.session.reset();  // closes the sockets, which leave the epoll set
  client.sockets.forget();
}

// An MQTT v3.1.1 broker cannot say why it closes a connection. When it closes a publisher's
// right after its first messages, before acknowledging any, the likely reason is that it does
// not accept such a message (mosquitto closes the connection over a packet above its
// max_packet_size, an unsupported QoS or retain), and "the connection was lost" would hide it.
Error WorkerLoop::explained(const Client& client, const Error& failure) const {
  if (client.plan.role != Role::publisher || client.state != State::ready || !client.session ||
      client.session->protocol() == ProtocolVersion::v5 || failure.code() != Exit::network)
    return failure;
  const std::uint64_t published = client.sequence + client.warmup_sequence;
  if (published == 0 || client.confirmed != 0 || (plan_.qos == 0 && published > window_)) return failure;
  std::string other_reasons;
  if (plan_.qos > 0) other_reasons += fmt::format(", or QoS {}", plan_.qos);
  if (plan_.retain) other_reasons += ", or retained messages";
  return Error{Exit::protocol,
               fmt::format("the broker at {} closed a publisher's connection right after its first "
                           "message{} ({}-byte payloads){}",
                           client.session->endpoint().text(), published == 1 ? "" : "s", plan_.size,
                           plan_.qos > 0 ? ", before acknowledging any" : ""),
               fmt::format("an {} broker cannot say why; it closes the connection over a message larger "
                           "than its maximum packet size (mosquitto: max_packet_size){} if it does not "
                           "support them",
                           protocol_name(client.session->protocol()), other_reasons),
               "try a smaller -s (over MQTT v5 a broker states its limit, and mqbench checks -s against "
               "it before the load)"};
}

void WorkerLoop::check_timeouts(Clock::time_point now) {
  const auto limit = seconds(plan_.connect_timeout);
  for (auto& client : clients_) {
    if ((!awaiting_connack(client->state) && client->state != State::subscribing) ||
        now - client->connect_started < limit)
      continue;
    const std::string where = client->session->endpoint().text();
    fail(*client, awaiting_connack(client->state)
                      ? Error{Exit::network,
                              fmt::format("no CONNACK from {} within {} s", where, plan_.connect_timeout)}
                      : Error{Exit::network,
                              fmt::format("no SUBACK from {} within {} s", where, plan_.connect_timeout)});
  }
}

void WorkerLoop::housekeeping(Clock::time_point now) {
  next_housekeeping_ = now + 1s;
  for (auto& client : clients_) {
    if (!client->session) continue;  // a session without a socket may be opening its relay
    client->session->handle_housekeeping();
    after_call(*client);
  }
  check_timeouts(now);
}

void WorkerLoop::roll_intervals(Clock::time_point now) {
  while (now >= accounting_.next_second())
    hand_over(accounting_.close_second());
}

void WorkerLoop::hand_over(Interval interval) {
  std::lock_guard lock{owner_.intervals_mutex_};
  owner_.intervals_.push_back(std::move(interval));
}

bool WorkerLoop::any_socket_open() const {
  return std::any_of(clients_.begin(), clients_.end(),
                     [](const auto& client) { return client->session && client->session->open(); });
}

// Sends DISCONNECT on every connection at once and gives the writes a moment to finish.
void WorkerLoop::shut_down() {
  finish_churn();
  for (auto& client : clients_) {
    if (!client->session) continue;
    client->session->request_disconnect();
    after_call(*client);
  }
  const Clock::time_point deadline = Clock::now() + disconnect_grace;
  while (any_socket_open() && Clock::now() < deadline)
    wait(Clock::now());
  for (auto& client : clients_) {
    if (client->counted_up) progress_.up.fetch_sub(1, std::memory_order_relaxed);
    client->counted_up = false;
  }
}

// conn --churn: closes the held connections that are due, round-robin, once the hold started.
void WorkerLoop::churn_due_connections(Clock::time_point now) {
  if (!churn_) {
    const std::optional<Clock::time_point> start = control_.churn_start();
    if (!start) return;
    churn_.emplace(plan_.churn, plan_.threads, index_, *start);
  }
  churn_starved_ = false;
  last_churn_turn_ = now;
  while (churn_->due(now)) {
    const std::optional<std::size_t> next = churn_turn_.next(
        clients_.size(), [this](std::size_t i) { return clients_[i]->state == State::ready; });
    if (!next) {  // every connection is being reopened, or failed: behind schedule until one is back
      churn_starved_ = true;
      return;
    }
    close_for_churn(*clients_[*next], churn_->take(), now);
  }
}

// Reconnect latency counts from the close, whatever the lag behind schedule (counted apart).
void WorkerLoop::close_for_churn(Client& client, Clock::time_point due, Clock::time_point now) {
  accounting_.churn_started(due, now);
  client.connect_started = now;
  if (plan_.churn_close == ChurnClose::disconnect && client.session->request_disconnect()) {
    client.state = State::closing;
    after_call(client);  // reopens once the DISCONNECT is written, usually at once
    return;
  }
  reopen(client);
}

// A new session for the same client id, as a client reconnecting after a blip would: destroying
// the old one closes its socket without DISCONNECT (if it did not send one).
void WorkerLoop::reopen(Client& client) {
  client.session.reset();
  client.sockets.forget();
  client.state = State::reconnecting;
  open_session(client);
}

bool WorkerLoop::any_reopening() const {
  return std::any_of(clients_.begin(), clients_.end(), [](const auto& client) {
    return client->state == State::reconnecting || client->state == State::closing;
  });
}

// At the end of the hold: no more churn; the reopenings under way end (made, or failed within
// --connect-timeout) before the DISCONNECTs, so that every close is counted as made or failed.
void WorkerLoop::finish_churn() {
  if (!churn_) return;
  // What was due when the loop last looked: one due since then is not behind schedule.
  accounting_.totals().churn.asked = churn_->due_by(last_churn_turn_);
  const Clock::time_point end = Clock::now();
  churn_.reset();  // nothing more is due
  // A connection still writing its DISCONNECT has no CONNACK to time out: the limit ends its wait.
  const Clock::time_point give_up = end + seconds(plan_.connect_timeout) + 1s;
  for (Clock::time_point now = end; any_reopening() && now < give_up; now = Clock::now()) {
    wait(now);
    if (now >= next_housekeeping_) housekeeping(now);
  }
}

WorkerTotals WorkerLoop::take_totals() {
  WorkerTotals& totals = accounting_.totals();
  for (auto& client : clients_) {
    if (client->plan.role == Role::publisher)
      totals.published.emplace_back(client->plan.global, client->measured_sent);
    if (client->plan.role != Role::subscriber) continue;
    SubscriberStreams streams{client->plan.global, client->was_ready, {}};
    for (auto& [publisher, checker] : client->streams)
      streams.streams.emplace_back(publisher, std::move(checker));
    totals.subscribers.push_back(std::move(streams));
  }
  return std::move(totals);
}

Worker::Worker(const Plan& plan, Control& control, FlowControl* flow, std::vector<const ClientPlan*> clients,
               int index)
    : loop_(std::make_unique<WorkerLoop>(*this, plan, control, flow, std::move(clients), index)) {}

Worker::~Worker() {
  if (thread_.joinable()) thread_.join();
}

void Worker::start() {
  thread_ = std::thread{[this] {
    try {
      loop_->run();
    } catch (...) {
      failure_ = std::current_exception();
    }
  }};
}

void Worker::wake() { loop_->wake(); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
  if (failure_) std::rethrow_exception(failure_);
}

std::vector<Interval> Worker::take_intervals() {
  std::lock_guard lock{intervals_mutex_};
  return std::exchange(intervals_, {});
}

WorkerTotals Worker::take_totals() { return loop_->take_totals(); }

}  // namespace mq::bench
