#include "proxy/query_cache.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <string_view>
#include <unordered_map>

#include "cache/cache_key.hpp"
#include "cache/cache_store.hpp"
#include "cache/cached_result.hpp"
#include "cache/memory_store.hpp"
#include "cache/redis_store.hpp"
#include "cache/redis_tracking_listener.hpp"
#include "cache/schema_catalog.hpp"
#include "cache/schema_dependencies.hpp"
#include "cache/sql_analysis.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/result_status.hpp"
#include "mysql_wire/stmt_execute.hpp"
#include "mysql_wire/text_result.hpp"
#include "proxy/analysis_memo.hpp"
#include "proxy/bypass_reason.hpp"
#include "proxy/cache_events.hpp"
#include "proxy/cache_policy.hpp"
#include "proxy/dependency_tracker.hpp"
#include "proxy/error_codes.hpp"
#include "proxy/log.hpp"
#include "proxy/read_targets.hpp"
#include "proxy/session.hpp"
#include "proxy/worker.hpp"

namespace sqlcache::proxy {

namespace {

using Clock = std::chrono::steady_clock;

// A schema catalog larger than this is not read (the proxy would hold it in memory per user).
constexpr std::size_t kMaxCatalogBytes = 64 * 1024 * 1024;

std::uint64_t nanoseconds_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

bool is_write(const cache::Analysis& analysis) {
  return !analysis.tables_written.empty() || analysis.writes_unknown_tables ||
         !analysis.schema_written.empty();
}

bool creates_temporary_table(const cache::Analysis& analysis) { return analysis.temporary_table; }

// A COM_QUERY that may read the diagnostics area: SHOW WARNINGS / ERRORS / COUNT(*) ...,
// GET DIAGNOSTICS, @@warning_count, @@error_count. A loose test (any text with "warning",
// "error" or "diagnostics"): a false match costs one round trip, after a hit only.
bool reads_diagnostics(const PacketView& command) {
  if (command.payload.empty() ||
      command.payload[0] != static_cast<std::uint8_t>(wire::Command::Query)) {
    return false;
  }
  const std::string_view sql = wire::as_chars(command.payload.subspan(1));
  auto contains = [&](std::string_view word) {
    return std::search(sql.begin(), sql.end(), word.begin(), word.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           }) != sql.end();
  };
  return contains("warning") || contains("error") || contains("diagnostics");
}

// INSERT, UPDATE, DELETE, REPLACE, LOAD DATA: a write of rows, which a view or a trigger the
// named table has may carry further. (DDL makes the next write read the catalog anyway.)
bool writes_rows(const cache::Analysis& analysis) {
  using cache::StatementKind;
  switch (analysis.kind) {
    case StatementKind::Insert:
    case StatementKind::Update:
    case StatementKind::Delete:
    case StatementKind::Replace:
    case StatementKind::LoadData:
      return true;
    default:
      return false;
  }
}

// BEGIN and START TRANSACTION commit the transaction still open, and COMMIT AND CHAIN commits
// and opens the next one: the session is in a transaction before and after, but what the
// first one wrote is committed. (A plain COMMIT leaves no transaction open, which the status
// flags show; COMMIT is listed anyway, for AND CHAIN.)
bool commits_and_starts_another(const cache::Analysis& analysis) {
  return analysis.kind == cache::StatementKind::Begin ||
         analysis.kind == cache::StatementKind::Commit;
}

// SET TRANSACTION without SESSION or GLOBAL: for the next transaction only.
bool sets_next_transaction(const cache::Analysis& analysis) {
  return analysis.kind == cache::StatementKind::Set &&
         analysis.normalized.starts_with("SET TRANSACTION ");
}

// Status bits that describe the session, not the result: a hit carries the replaying
// session's own (wire::find_result_status, wire::merge_status in replay()).
constexpr std::uint16_t kSessionStatusBits =
    wire::status::kInTrans | wire::status::kAutocommit | wire::status::kInTransReadonly;

// A read the cache may answer: where its entry lives and what invalidates it.
struct ReadPlan {
  int rule_index = -1;  // the table rule that set the TTL, for per-table metrics
  std::string key;
  std::shared_ptr<const ReadTargets> targets;  // generation keys: targets->generation_keys
  std::chrono::milliseconds ttl{0};
  bool binary_protocol = false;
};

// A miss in progress on this worker: identical misses wait for it instead of querying the
// database again (each for at most coalesce_wait).
struct Inflight {
  std::shared_ptr<const std::string> value;  // the encoded entry, when the leader stored one
  std::vector<asio::steady_timer*> waiters;  // cancelled when the leader is done
};

// What goes to the backend for an execute: the client's packet, or (when the server has not
// seen the statement's parameter types, because executes carrying them were cache hits) the
// same packet with the types restored. `storage` keeps the rewritten bytes alive.
PacketView with_restored_types(const PacketView& command, const PreparedStatement* statement,
                               wire::Bytes& storage) {
  PacketView forwarded = command;
  if (statement == nullptr || statement->server_has_types) return forwarded;
  wire::Bytes payload = wire::with_parameter_types(command.payload, statement->num_params,
                                                   statement->parameter_types);
  if (!payload.empty()) {
    storage = wire::framed(payload, command.first_sequence_id);
    forwarded.raw = storage;
    forwarded.payload = wire::ByteView(storage).subspan(wire::kHeaderSize);
  }
  return forwarded;
}

// A read the cache did not answer goes to the server: an execute with its parameter types
// restored where needed, and from then on the server knows them.
PacketView forwarded_read(const PacketView& command, PreparedStatement* statement,
                          wire::Bytes& storage) {
  const PacketView forwarded = with_restored_types(command, statement, storage);
  if (statement != nullptr) statement->server_has_types = true;
  return forwarded;
}

awaitable<void> put_entry(std::shared_ptr<cache::CacheStore> store, std::string key,
                          std::string value, std::chrono::milliseconds ttl) {
  const bool stored = co_await store->put(std::move(key), std::move(value), ttl);
  if (stored) {
    global_metrics().cache_stores++;
  } else {
    global_metrics().cache_store_errors++;
  }
}

class StoreQueryCache final : public QueryCache {
 public:
  StoreQueryCache(std::shared_ptr<cache::CacheStore> store,
                  std::shared_ptr<const CachePolicy> policy, std::shared_ptr<CacheEventLog> events,
                  std::shared_ptr<DependencyTracker> dependencies)
      : store_(std::move(store)),
        policy_(std::move(policy)),
        events_(std::move(events)),
        dependencies_(std::move(dependencies)) {}
  ~StoreQueryCache() override {
    if (listener_) listener_->stop();
  }
  void keep_alive(std::shared_ptr<cache::RedisTrackingListener> listener) {
    listener_ = std::move(listener);
  }

  awaitable<bool> handle(Session& session, const PacketView& command) override;

  void apply_policy(std::shared_ptr<const CachePolicy> policy) override {
    policy_ = std::move(policy);
  }
  awaitable<bool> invalidate(std::vector<std::string> generation_keys) override {
    return store_->bump(std::move(generation_keys));
  }
  StoreStatus store_status() const override {
    StoreStatus status;
    status.kind = std::string(store_->kind());
    // Every worker's store, not only this one's (each has its own connections and breaker).
    status.available = store_->available() && events_->store_up();
    if (auto* redis = dynamic_cast<const cache::RedisStore*>(store_.get())) {
      const auto& stats = redis->stats();
      status.errors = stats.errors.load(std::memory_order_relaxed);
      status.timeouts = stats.timeouts.load(std::memory_order_relaxed);
      status.round_trips = stats.round_trips.load(std::memory_order_relaxed);
      status.round_trip_micros = stats.round_trip_micros.load(std::memory_order_relaxed);
      if (const cache::NearCache* near_cache = redis->near_cache()) {
        const cache::NearCacheStats near = near_cache->stats();
        status.near_cache = true;
        status.near_cache_tracking = near.tracking;
        status.near_cache_entries = near.entries;
        status.near_cache_bytes = near.bytes;
      }
    }
    return status;
  }

 private:
  awaitable<bool> handle_query(Session& session, const PacketView& command);
  awaitable<bool> handle_prepare(Session& session, const PacketView& command);
  awaitable<bool> handle_execute(Session& session, const PacketView& command);

  // nullopt: not cacheable (the reason is counted).
  std::optional<ReadPlan> plan_read(const SessionState& state, const cache::Analysis& analysis,
                                    wire::ByteView parameters, bool binary);
  // `statement`: set for COM_STMT_EXECUTE (a miss may need its parameter types restored).
  awaitable<bool> serve_read(Session& session, const PacketView& command, ReadPlan plan,
                             PreparedStatement* statement = nullptr);
  // The store cannot answer: relay (restoring an execute's parameter types if needed).
  awaitable<bool> relay_uncached(Session& session, const PacketView& command,
                                 PreparedStatement* statement);
  // The entry is missing or stale: wait for an identical miss already in flight on this
  // worker, or query the database and store what it answers. `generations` are the ones the
  // lookup read (without the write epoch, which is `epoch`).
  awaitable<bool> serve_miss(Session& session, const PacketView& command, const ReadPlan& plan,
                             PreparedStatement* statement, std::vector<std::uint64_t> generations,
                             std::uint64_t epoch, Clock::time_point start);
  // Writes a cached response (entry.response, a view into a value the caller holds) to the
  // client as a hit.
  awaitable<bool> replay(Session& session, const cache::CachedResult& entry, const ReadPlan& plan,
                         PreparedStatement* statement, Clock::time_point start);
  awaitable<bool> forward_execute(Session& session, const PacketView& command,
                                  PreparedStatement& statement, const cache::Analysis* analysis);
  // Relays a command the cache does not answer, keeping generations and session state in
  // step with what it did.
  awaitable<bool> relay_tracked(Session& session, const PacketView& command,
                                const cache::Analysis* analysis);
  // What the tables a write names make it change besides them (views, foreign key actions,
  // triggers), reading the schema catalog first through this session when it is due.
  struct WriteDependencies {
    bool connection_ok = true;
    // The client already has its answer (an error): the write must not be forwarded.
    bool answered = false;
    bool follow = false;                                     // cache.follow_dependencies
    std::shared_ptr<const cache::SchemaDependencies> known;  // nullptr: never read
  };
  awaitable<WriteDependencies> dependencies_for_write(Session& session);
  struct CatalogRead {
    std::optional<cache::SchemaCatalog> catalog;  // nullopt: not read (logged)
    bool lost = false;                            // the backend connection is gone
    std::optional<wire::TextResult> refused;      // the server answered with an error
  };
  // The catalog through this session.
  awaitable<CatalogRead> read_catalog(Session& session);
  awaitable<bool> reset_diagnostics(Session& session);
  std::vector<std::string> written_generation_keys(const SessionState& state,
                                                   const cache::Analysis& analysis,
                                                   const WriteDependencies& dependencies);
  awaitable<void> bump(std::vector<std::string> keys);
  void apply_statement_effects(SessionState& state, const cache::Analysis& analysis,
                               bool succeeded);
  void count_bypass(std::size_t index) { global_metrics().bypass[index]++; }

  std::shared_ptr<cache::CacheStore> store_;
  std::shared_ptr<const CachePolicy> policy_;
  std::unordered_map<std::string, std::shared_ptr<Inflight>> inflight_;
  AnalysisMemo memo_;
  ReadTargetMemo read_targets_;
  // Invalidations the store could not take: retried before the cache is used again, so this
  // instance never serves an entry a write of its own has made stale.
  std::vector<std::string> pending_bumps_;
  std::shared_ptr<CacheEventLog> events_;                   // shared by every worker's cache
  std::shared_ptr<DependencyTracker> dependencies_;         // shared by every worker's cache
  std::shared_ptr<cache::RedisTrackingListener> listener_;  // worker 0 only
};

// Not a coroutine: it hands back the awaitable of the coroutine that does the work (one frame
// less per command).
awaitable<bool> StoreQueryCache::handle(Session& session, const PacketView& command) {
  SessionState& state = session.mutable_state();
  const std::uint8_t code = command.payload[0];
  switch (static_cast<wire::Command>(code)) {
    case wire::Command::Query:
      return handle_query(session, command);
    case wire::Command::StmtPrepare:
      return handle_prepare(session, command);
    case wire::Command::StmtExecute:
      return handle_execute(session, command);
    case wire::Command::StmtSendLongData:
      if (auto id = wire::parse_statement_id(command.payload)) {
        if (auto* statement = state.statements.find(*id)) statement->long_data_pending = true;
      }
      break;
    case wire::Command::StmtReset:
      if (auto id = wire::parse_statement_id(command.payload)) {
        if (auto* statement = state.statements.find(*id)) statement->long_data_pending = false;
      }
      break;
    case wire::Command::StmtClose:
      if (auto id = wire::parse_statement_id(command.payload)) state.statements.erase(*id);
      break;
    default:
      break;
  }
  return session.forward_and_relay(command, wire::response_shape(code));
}

awaitable<bool> StoreQueryCache::handle_query(Session& session, const PacketView& command) {
  SessionState& state = session.mutable_state();
  if (command.payload.size() >= wire::kMaxChunk) {
    // Never analysed (a 16 MiB statement is a bulk load, not a cacheable read); but it may
    // write anything.
    count_bypass(bypass_index(SessionBypass::StatementTooLarge));
    cache::Analysis unknown;
    unknown.writes_unknown_tables = true;
    co_return co_await relay_tracked(session, command, &unknown);
  }
  cache::AnalyzeOptions options;
  options.lexical.backslash_escapes = !(state.status_flags & wire::status::kNoBackslashEscapes);
  std::shared_ptr<const cache::Analysis> shared =
      memo_.analyze(wire::as_chars(command.payload.subspan(1)), options);
  const cache::Analysis& analysis = *shared;
  if (analysis.cacheable && !is_write(analysis)) {
    if (auto plan = plan_read(state, analysis, {}, false)) {
      co_return co_await serve_read(session, command, std::move(*plan));
    }
  } else if (!is_write(analysis)) {
    count_bypass(bypass_index(analysis.reason));
  }
  co_return co_await relay_tracked(session, command, &analysis);
}

std::optional<ReadPlan> StoreQueryCache::plan_read(const SessionState& state,
                                                   const cache::Analysis& analysis,
                                                   wire::ByteView parameters, bool binary) {
  const CachePolicy& policy = *policy_;
  if (state.caching_disabled) {
    count_bypass(bypass_index(cache::BypassReason::Unparsable));
    return std::nullopt;
  }
  // An explicit transaction (BEGIN) or one that has written must see its own snapshot and
  // writes: bypass. A transaction that only exists because autocommit is off and that has not
  // written reads committed data like any other session (pymysql's default, for example).
  if (state.in_transaction() && !policy.cache_in_transactions &&
      (state.explicit_transaction || !state.transaction_writes.empty())) {
    count_bypass(bypass_index(SessionBypass::InTransaction));
    return std::nullopt;
  }
  std::shared_ptr<const ReadTargets> targets =
      read_targets_.resolve(policy_, state.schema, analysis.tables_read);
  if (!targets) {
    count_bypass(bypass_index(SessionBypass::NoDatabase));
    return std::nullopt;
  }
  const config::TtlDecision& decision = targets->decision;
  std::chrono::milliseconds ttl = decision.ttl;
  // A hint sets the TTL for its statement, but never caches a table whose rule says ttl: 0:
  // that is the operator's "never", which a statement in application code cannot lift.
  const bool never = decision.rule != nullptr && decision.ttl.count() <= 0;
  if (policy.hints && analysis.ttl_hint && !never) ttl = *analysis.ttl_hint;
  if (ttl.count() <= 0) {
    count_bypass(bypass_index(SessionBypass::TtlZero));
    return std::nullopt;
  }
  if (state.in_transaction()) {
    // Only with cache_in_transactions: never answer a read of a table this transaction
    // changed (its rows are not committed; the cache holds committed data). The last key, the
    // write epoch, is not a table's.
    const auto& keys = targets->generation_keys;
    for (auto key = keys.begin(); key + 1 < keys.end(); ++key) {
      if (std::find(state.transaction_writes.begin(), state.transaction_writes.end(), *key) !=
          state.transaction_writes.end()) {
        count_bypass(bypass_index(SessionBypass::OwnTransactionWrite));
        return std::nullopt;
      }
    }
  }

  ReadPlan plan;
  plan.rule_index = policy.rule_index(decision.rule);
  plan.ttl = ttl;
  plan.binary_protocol = binary;
  plan.targets = std::move(targets);

  std::string private_state;
  std::string_view session_state = state.session_variables;
  if (state.private_cache) {
    private_state = state.session_variables + "\x1fprivate:" + std::to_string(state.nonce);
    session_state = private_state;
  }
  cache::KeyContext context;
  context.schema = state.schema;
  context.user = decision.share_across_users ? std::string_view{} : std::string_view(state.user);
  context.session_state = session_state;
  context.encoding_capabilities = state.capabilities & wire::cap::kResultEncoding;
  context.character_set = state.character_set;
  context.binary_protocol = binary;
  plan.key = cache::derive_entry_key(policy.key_prefix, context, analysis.key_text, parameters);
  return plan;
}

awaitable<bool> StoreQueryCache::serve_read(Session& session, const PacketView& command,
                                            ReadPlan plan, PreparedStatement* statement) {
  Metrics& metrics = global_metrics();
  const auto start = Clock::now();
  if (!pending_bumps_.empty()) {
    co_await bump(std::move(pending_bumps_));
  }
  if (!pending_bumps_.empty() || !store_->available()) {
    count_bypass(bypass_index(SessionBypass::StoreUnavailable));
    co_return co_await relay_uncached(session, command, statement);
  }
  const std::vector<std::string>& keys = plan.targets->generation_keys;
  cache::StoreLookup lookup;
  std::optional<cache::StoreLookup> immediate = store_->lookup_immediate(plan.key, keys);
  // A near cache's copy that is not current (Redis may hold a newer entry another instance
  // stored) is looked up again in Redis; the in-process store's answer is final.
  const bool may_ask_again = immediate.has_value() && store_->external();
  if (immediate) {
    lookup = std::move(*immediate);
  } else {
    lookup = co_await store_->lookup(plan.key, keys);
  }
  for (int attempt = 0;; ++attempt) {
    if (lookup.status == cache::LookupStatus::Error || lookup.generations.size() != keys.size()) {
      metrics.cache_store_errors++;
      count_bypass(bypass_index(SessionBypass::StoreUnavailable));
      co_return co_await relay_uncached(session, command, statement);
    }
    // What the near cache answered is counted (stale, corrupt) only once Redis has confirmed it.
    const bool near_answer = may_ask_again && attempt == 0;
    bool current = false;
    cache::CachedResult entry;
    if (lookup.status == cache::LookupStatus::Hit) {
      const std::span<const std::uint64_t> generations(lookup.generations.data(),
                                                       lookup.generations.size() - 1);
      cache::DecodeError error =
          cache::decode_cached_result(lookup.bytes(), entry, store_->external());
      if (error != cache::DecodeError::None) {
        if (!near_answer) {
          metrics.cache_corrupt_values++;
          events_->corrupt_value(plan.key, cache::to_string(error));
        }
      } else if (std::ranges::equal(entry.generations, generations) &&
                 entry.binary_protocol == plan.binary_protocol) {
        current = true;
      } else if (!near_answer) {
        metrics.cache_stale++;
      }
    }
    if (current) {
      if (near_answer) metrics.cache_near_hits++;
      co_return co_await replay(session, entry, plan, statement, start);
    }
    if (!near_answer) break;
    lookup = co_await store_->lookup(plan.key, keys);
  }
  const std::uint64_t epoch = lookup.generations.back();
  lookup.generations.pop_back();
  co_return co_await serve_miss(session, command, plan, statement, std::move(lookup.generations),
                                epoch, start);
}

awaitable<bool> StoreQueryCache::relay_uncached(Session& session, const PacketView& command,
                                                PreparedStatement* statement) {
  wire::Bytes rewritten;
  const PacketView to_backend = forwarded_read(command, statement, rewritten);
  co_return co_await relay_tracked(session, to_backend, nullptr);
}

awaitable<bool> StoreQueryCache::serve_miss(Session& session, const PacketView& command,
                                            const ReadPlan& plan, PreparedStatement* statement,
                                            std::vector<std::uint64_t> generations,
                                            std::uint64_t epoch, Clock::time_point start) {
  Metrics& metrics = global_metrics();
  // If the same entry is being filled on this worker, wait for it.
  if (auto it = inflight_.find(plan.key); it != inflight_.end()) {
    std::shared_ptr<Inflight> leader = it->second;
    asio::steady_timer wait(session.worker().context(), policy_->coalesce_wait);
    leader->waiters.push_back(&wait);
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::erase(leader->waiters, &wait);
    cache::CachedResult entry;
    std::shared_ptr<const std::string> value = leader->value;  // alive while this replays
    if (value && cache::decode_cached_result(*value, entry, false) == cache::DecodeError::None &&
        entry.generations == generations) {
      metrics.cache_coalesced_hits++;
      co_return co_await replay(session, entry, plan, statement, start);
    }
  }

  // Inside a transaction the database answers from the transaction's snapshot, which may be
  // older than committed data: such an answer may fill the cache only when no write went
  // through any proxy since the snapshot was taken (the write epoch is unchanged since the
  // read that opened the transaction). Reads outside a transaction always may.
  SessionState& state = session.mutable_state();
  const bool in_transaction_before = state.in_transaction();
  // A table or view the catalog does not know (created since it was read, or hidden from every
  // user it was read as): read it through this session first, or a write would not know to
  // invalidate the entry. If it stays unknown, the result is not stored.
  bool dependencies_allow_storing = true;
  if (policy_->follow_dependencies && !dependencies_->note_read(plan.targets->tables)) {
    const WriteDependencies refreshed = co_await dependencies_for_write(session);
    if (!refreshed.connection_ok) co_return false;
    if (refreshed.answered) co_return true;
    dependencies_allow_storing = dependencies_->note_read(plan.targets->tables);
  }
  if (dependencies_allow_storing && policy_->follow_dependencies &&
      dependencies_->reads_volatile_view(plan.targets->tables)) {
    dependencies_allow_storing = false;  // a view over NOW() and the like: its rows are not stored
  }
  const bool may_store =
      !in_transaction_before || (state.transaction_epoch && *state.transaction_epoch == epoch &&
                                 !state.explicit_transaction && state.transaction_writes.empty());

  (plan.binary_protocol ? metrics.cache_misses_prepared : metrics.cache_misses_text)++;
  if (plan.rule_index >= 0) policy_->rule_counters->misses[plan.rule_index]++;
  auto inflight = std::make_shared<Inflight>();
  bool leader = inflight_.emplace(plan.key, inflight).second;
  RelayCapture capture;
  capture.limit = policy_->max_result_bytes;
  wire::ResponseTracker tracker(wire::ResponseShape::ResultSets, 0);
  wire::Bytes rewritten;
  const PacketView to_backend = forwarded_read(command, statement, rewritten);
  bool ok = co_await session.forward_and_relay(to_backend, wire::ResponseShape::ResultSets,
                                               &capture, &tracker);
  if (ok && !tracker.ended_in_error()) state.one_shot_transaction_pending = false;  // used
  if (ok) state.diagnostics_behind = false;  // the server ran a read of tables
  const bool storable =
      ok && may_store && !capture.overflowed && !capture.bytes.empty() &&
      !tracker.ended_in_error() && tracker.result_sets() == 1 && tracker.warnings() == 0 &&
      !tracker.used_local_infile() && !(tracker.status_flags() & wire::status::kMoreResultsExist) &&
      (policy_->max_result_rows == 0 || tracker.rows() <= policy_->max_result_rows);
  if (ok && capture.overflowed) metrics.cache_results_too_large++;
  if (ok && !in_transaction_before && state.in_transaction()) state.transaction_epoch = epoch;
  if (storable && dependencies_allow_storing) {
    std::string value =
        cache::encode_cached_result(generations, capture.bytes, plan.binary_protocol);
    if (leader) inflight->value = std::make_shared<const std::string>(value);
    // Awaited, after the client already has its response: only this client's next command
    // waits, and it then finds the entry (a detached put could lose the race to it).
    co_await put_entry(store_, plan.key, std::move(value), plan.ttl);
  }
  if (leader) {
    inflight_.erase(plan.key);
    for (asio::steady_timer* waiter : inflight->waiters) waiter->cancel();
  }
  metrics.latency_miss.observe(nanoseconds_since(start));
  co_return ok;
}

awaitable<bool> StoreQueryCache::replay(Session& session, const cache::CachedResult& entry,
                                        const ReadPlan& plan, PreparedStatement* statement,
                                        Clock::time_point start) {
  Metrics& metrics = global_metrics();
  const wire::ByteView response = wire::as_bytes(entry.response);
  // The transaction and autocommit bits are this session's, not the filler's. The stored bytes
  // are shared (other sessions replay them at the same time), so the patched flags go out as
  // their own small parts around the unchanged bytes: nothing of the response is copied.
  std::array<std::array<std::uint8_t, 2>, 2> patched{};
  std::array<wire::ByteView, 5> parts;
  std::size_t count = 0;
  std::size_t done = 0;
  if (auto found = wire::find_result_status(response, session.state().capabilities)) {
    for (std::size_t i = 0; i < found->count; ++i) {
      const std::size_t at = found->at[i];
      patched[i] =
          wire::merge_status(&response[at], kSessionStatusBits, session.state().status_flags);
      parts[count++] = response.subspan(done, at - done);
      parts[count++] = wire::ByteView(patched[i]);
      done = at + 2;
    }
  }
  parts[count++] = response.subspan(done);
  if (co_await session.client().write(std::span<const wire::ByteView>(parts.data(), count))) {
    co_return false;
  }
  session.client().consume_packet();
  // The server did not see this execute: if it carried new types, they are not the server's;
  // resending the types with the next forwarded execute is always safe.
  if (statement != nullptr) statement->server_has_types = false;
  session.mutable_state().diagnostics_behind = true;
  (plan.binary_protocol ? metrics.cache_hits_prepared : metrics.cache_hits_text)++;
  if (plan.rule_index >= 0) policy_->rule_counters->hits[plan.rule_index]++;
  metrics.cache_bytes_served.add(response.size());
  metrics.latency_hit.observe(nanoseconds_since(start));
  co_return true;
}

awaitable<bool> StoreQueryCache::relay_tracked(Session& session, const PacketView& command,
                                               const cache::Analysis* analysis) {
  Metrics& metrics = global_metrics();
  const auto start = Clock::now();
  SessionState& state = session.mutable_state();
  const bool write = analysis != nullptr && is_write(*analysis);
  if (state.diagnostics_behind && reads_diagnostics(command)) {
    if (!co_await reset_diagnostics(session)) co_return false;
  }
  std::vector<std::string> keys;
  if (write) {
    if (policy_->follow_dependencies && writes_rows(*analysis) && !state.private_cache) {
      // A name the catalog does not know (a view or a table created around the proxy since
      // it was read) makes dependencies_for_write() read it again first. Not in a session
      // with temporary tables (private_cache), whose names no catalog ever knows.
      dependencies_->note_read(analysis->tables_written, state.schema);
    }
    const WriteDependencies dependencies = co_await dependencies_for_write(session);
    if (!dependencies.connection_ok) co_return false;
    if (dependencies.answered) co_return true;
    keys = written_generation_keys(state, *analysis, dependencies);
  }
  if (analysis != nullptr && analysis->changes_global_state) {
    // SET GLOBAL sql_mode / time_zone / ... changes what new sessions get: everything cached
    // may no longer be what the database would answer.
    keys.push_back(cache::global_generation_key(policy_->key_prefix));
  }

  // Hold the response back until the invalidation is done, so the client that sees the OK
  // (and anyone it tells) can never read the old rows from the cache.
  RelayCapture capture;
  const bool hold = !keys.empty() || !state.transaction_writes.empty();
  capture.hold = hold;
  capture.limit = std::max<std::size_t>(policy_->max_result_bytes, 64 * 1024);
  wire::ResponseTracker tracker(wire::ResponseShape::ResultSets, 0);
  auto shape = wire::response_shape(command.payload[0]);
  if (!co_await session.forward_and_relay(command, shape, hold ? &capture : nullptr, &tracker)) {
    co_return false;
  }
  if (analysis != nullptr) apply_statement_effects(state, *analysis, !tracker.ended_in_error());
  if (tracker.warnings() > 0 || tracker.ended_in_error() ||
      (analysis != nullptr &&
       (!analysis->tables_read.empty() || !analysis->tables_written.empty()))) {
    state.diagnostics_behind = false;  // the server replaced its diagnostics area
  }
  // A statement that fails leaves them for the next one (the server does the same).
  if (!tracker.ended_in_error()) {
    state.one_shot_transaction_pending = analysis != nullptr && sets_next_transaction(*analysis);
  }
  // Even a failed DDL statement may have done part of its work (a multi-statement).
  if (analysis != nullptr && analysis->changes_schema_objects) dependencies_->note_ddl();
  if (write) metrics.writes++;
  if (!keys.empty()) {
    if (state.in_transaction()) {
      for (const auto& key : keys) {
        if (std::find(state.transaction_writes.begin(), state.transaction_writes.end(), key) ==
            state.transaction_writes.end()) {
          state.transaction_writes.push_back(key);
        }
      }
    }
    keys.push_back(cache::write_epoch_key(policy_->key_prefix));
    co_await bump(std::move(keys));
  }
  const bool committed_and_went_on =
      analysis != nullptr && !tracker.ended_in_error() && commits_and_starts_another(*analysis);
  if (!state.transaction_writes.empty() && (!state.in_transaction() || committed_and_went_on)) {
    state.transaction_writes.push_back(cache::write_epoch_key(policy_->key_prefix));
    // The transaction ended (COMMIT, ROLLBACK, an implicit commit): entries filled while it
    // was open may hold rows from before it; make them unreachable.
    co_await bump(std::move(state.transaction_writes));
    state.transaction_writes.clear();
  } else if (!state.transaction_writes.empty() && analysis != nullptr &&
             analysis->kind == cache::StatementKind::Multi) {
    // A multi-statement may have committed and opened the next transaction (`...; COMMIT AND
    // CHAIN`, `COMMIT; BEGIN`): bump what was written, and keep it for the real end too.
    std::vector<std::string> keys_again = state.transaction_writes;
    keys_again.push_back(cache::write_epoch_key(policy_->key_prefix));
    co_await bump(std::move(keys_again));
  }
  if (!co_await session.flush_held(capture)) co_return false;
  (write ? metrics.latency_write : metrics.latency_bypass).observe(nanoseconds_since(start));
  co_return true;
}

awaitable<StoreQueryCache::WriteDependencies> StoreQueryCache::dependencies_for_write(
    Session& session) {
  WriteDependencies out;
  out.follow = policy_->follow_dependencies;
  if (!out.follow) co_return out;
  const SessionState& state = session.state();
  const auto now = Clock::now();
  DependencyTracker::BeforeWrite before =
      dependencies_->before_write(state.user, now, policy_->dependency_refresh);
  out.known = std::move(before.current);
  if (!before.load) co_return out;
  // Where information_schema is transactional (MySQL 8's data dictionary), a query of the
  // proxy's own would take the one-shot characteristics for itself and the write would run
  // without them (MariaDB's is not, checked): go on with what there is this time.
  if (state.one_shot_transaction_pending) {
    dependencies_->abandoned();
    co_return out;
  }
  // Whatever happens below, the tracker must hear how the read ended (an exception too), or a
  // periodic re-read stays claimed for good.
  struct Outcome {
    DependencyTracker& tracker;
    bool reported = false;
    ~Outcome() {
      if (!reported) tracker.failed(Clock::now());
    }
  } outcome{*dependencies_};
  const std::uint64_t epoch = dependencies_->ddl_epoch();
  const bool in_transaction = state.in_transaction();
  CatalogRead read = co_await read_catalog(session);
  if (read.lost) {
    co_await session.send_error(1, kErBackendLost, "08S01",
                                "sqlcache: lost connection to the backend database");
    out.connection_ok = false;
    co_return out;
  }
  if (read.refused && in_transaction) {
    // The error may have rolled the client's transaction back (a deadlock, a lock wait
    // timeout): forwarding the write now could run it outside the transaction the client
    // believes it is in. The client gets the error as the answer to its statement instead.
    const wire::TextResult& error = *read.refused;
    session.client().consume_packet();
    out.connection_ok = co_await session.send_error(
        1, *error.error_code, error.error_sql_state.empty() ? "HY000" : error.error_sql_state,
        "sqlcache: reading the schema catalog before this statement failed: " +
            error.error_message);
    out.answered = true;
    co_return out;
  }
  // Without a catalog, go on with what was read before, if anything (written_generation_keys()
  // invalidates everything when nothing was).
  if (!read.catalog) co_return out;
  const std::size_t views = read.catalog->views.size();
  const std::size_t foreign_keys = read.catalog->foreign_keys.size();
  const std::size_t triggers = read.catalog->triggers.size();
  dependencies_->loaded(state.user, std::move(*read.catalog), epoch, Clock::now());
  outcome.reported = true;
  out.known = dependencies_->current();
  global_metrics().dependency_loads++;
  log_event(LogLevel::info, "cache", "dependencies_loaded",
            {{"user", state.user},
             {"views", std::to_string(views)},
             {"foreign_keys", std::to_string(foreign_keys)},
             {"triggers", std::to_string(triggers)},
             {"tables_with_dependents", std::to_string(out.known ? out.known->size() : 0)},
             {"milliseconds", std::to_string(nanoseconds_since(now) / 1000000)}});
  co_return out;
}

// The server's diagnostics area still holds the conditions of a statement before the hits
// since: a statement that reads a table and raises none empties it, as the hit's statement
// would have on the server. (DO with a derived table: one OK packet; a statement without a
// table would leave the area alone.)
awaitable<bool> StoreQueryCache::reset_diagnostics(Session& session) {
  SessionState& state = session.mutable_state();
  state.diagnostics_behind = false;
  // A query of the proxy's own must not use up SET TRANSACTION's characteristics.
  if (state.one_shot_transaction_pending) co_return true;
  std::string response;
  std::uint16_t warnings = 0;
  const Session::InternalQuery done = co_await session.run_internal_query(
      "DO (SELECT 1 FROM (SELECT 1) AS sqlcache_reset)", 64 * 1024, response, warnings);
  if (done == Session::InternalQuery::Complete && response.size() > 4 &&
      static_cast<std::uint8_t>(response[4]) == 0xFF) {
    // An XA transaction in IDLE state refuses it, for one: the server's diagnostics area
    // then holds this error.
    log_event(LogLevel::info, "cache", "diagnostics_reset_failed",
              {{"user", session.state().user}});
  }
  if (done == Session::InternalQuery::ConnectionLost) {
    co_await session.send_error(1, kErBackendLost, "08S01",
                                "sqlcache: lost connection to the backend database");
    co_return false;
  }
  co_return true;
}

awaitable<StoreQueryCache::CatalogRead> StoreQueryCache::read_catalog(Session& session) {
  CatalogRead read;
  std::string response;
  std::uint16_t warnings = 0;
  const Session::InternalQuery status = co_await session.run_internal_query(
      cache::catalog_query(), kMaxCatalogBytes, response, warnings);
  if (status == Session::InternalQuery::ConnectionLost) {
    read.lost = true;
    co_return read;
  }
  std::string problem;
  if (status == Session::InternalQuery::TooLarge) {
    problem = "the catalog is larger than " + std::to_string(kMaxCatalogBytes) + " bytes";
  } else if (auto result =
                 wire::parse_text_result(wire::as_bytes(response), session.state().capabilities);
             !result) {
    problem = "the response is not one text result set";
  } else if (result->error_code) {
    problem = "error " + std::to_string(*result->error_code) + ": " + result->error_message;
    read.refused = std::move(*result);
  } else if (warnings > 0) {
    // information_schema skips a table it cannot open (DDL in progress) with a warning: the
    // catalog would miss what that table has.
    problem = std::to_string(warnings) + " warnings (the server skipped tables)";
  } else if (read.catalog = cache::catalog_from_rows(result->rows); !read.catalog) {
    problem = "the rows are not the catalog query's";
  }
  if (!read.catalog) {
    global_metrics().dependency_load_errors++;
    log_event(LogLevel::warn, "cache", "dependencies_load_failed",
              {{"user", session.state().user}, {"reason", problem}});
  }
  co_return read;
}

std::vector<std::string> StoreQueryCache::written_generation_keys(
    const SessionState& state, const cache::Analysis& analysis,
    const WriteDependencies& dependencies) {
  const std::string& prefix = policy_->key_prefix;
  std::vector<std::string> keys;
  bool unknown = analysis.writes_unknown_tables;
  std::size_t named = 0;  // keys of the tables the statement names (unique: the list is)
  bool dependent = false;
  for (const auto& table : analysis.tables_written) {
    std::string_view schema = table.schema.empty() ? std::string_view(state.schema) : table.schema;
    if (schema.empty()) {
      unknown = true;  // the server will refuse it, but be safe
      continue;
    }
    keys.push_back(cache::table_generation_key(prefix, schema, table.table));
    ++named;
    if (!dependencies.follow) continue;
    if (!dependencies.known) {
      unknown = true;  // what depends on the table cannot be known
      continue;
    }
    if (const auto* effect = dependencies.known->effect_of_write(schema, table.table)) {
      for (const auto& other : effect->tables) {
        keys.push_back(cache::table_generation_key(prefix, other.schema, other.table));
      }
      dependent = dependent || !effect->tables.empty();
      if (effect->everything) unknown = true;
    }
  }
  if (dependent) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    global_metrics().invalidations_dependent.add(keys.size() - named);
  }
  if (unknown) {
    global_metrics().invalidations_unknown++;
    keys.push_back(analysis.schema_written.empty()
                       ? cache::global_generation_key(prefix)
                       : cache::schema_generation_key(prefix, analysis.schema_written));
  } else if (!analysis.schema_written.empty()) {
    keys.push_back(cache::schema_generation_key(prefix, analysis.schema_written));
  }
  return keys;
}

awaitable<void> StoreQueryCache::bump(std::vector<std::string> keys) {
  if (keys.empty()) co_return;
  const std::size_t count = keys.size();
  std::vector<std::string> copy = keys;
  const bool bumped = co_await store_->bump(std::move(keys));
  if (bumped) {
    global_metrics().invalidations.add(count);
  } else {
    global_metrics().cache_store_errors++;
    for (auto& key : copy) {
      if (std::find(pending_bumps_.begin(), pending_bumps_.end(), key) == pending_bumps_.end()) {
        pending_bumps_.push_back(std::move(key));
      }
    }
  }
}

void StoreQueryCache::apply_statement_effects(SessionState& state, const cache::Analysis& analysis,
                                              bool succeeded) {
  using cache::StatementKind;
  switch (analysis.kind) {
    case StatementKind::Multi:
      // A USE or SET inside a multi-statement cannot be followed reliably: stop caching for
      // this session (until COM_RESET_CONNECTION or COM_CHANGE_USER).
      if (analysis.changes_session_state) state.caching_disabled = true;
      return;
    case StatementKind::Call:
    case StatementKind::Execute:
    case StatementKind::Prepare:
      // A procedure or a server-side PREPAREd statement may change session variables.
      state.private_cache = true;
      return;
    default:
      break;
  }
  if (!succeeded) return;
  if (analysis.kind == StatementKind::Use) {
    // A USE the analyser could not read leaves the schema unknown: stop using the cache.
    if (analysis.use_schema.empty()) {
      state.caching_disabled = true;
    } else {
      state.schema = analysis.use_schema;
    }
    return;
  }
  if (analysis.kind == StatementKind::Begin) {
    state.explicit_transaction = state.in_transaction();
    return;
  }
  if (creates_temporary_table(analysis)) {
    // Temporary tables shadow real ones in this session only.
    state.private_cache = true;
    return;
  }
  if (analysis.changes_session_state) {
    if (analysis.session_state_deterministic) {
      state.session_variables.append(analysis.normalized).push_back('\x1f');
    } else {
      state.private_cache = true;
    }
  }
}

awaitable<bool> StoreQueryCache::handle_prepare(Session& session, const PacketView& command) {
  SessionState& state = session.mutable_state();
  PreparedStatement statement;
  statement.sql.assign(wire::as_chars(command.payload.subspan(1)));
  cache::AnalyzeOptions options;
  options.prepared = true;
  options.lexical.backslash_escapes = !(state.status_flags & wire::status::kNoBackslashEscapes);
  statement.analysis = memo_.analyze(statement.sql, options);
  wire::ResponseTracker tracker(wire::ResponseShape::Prepare, 0);
  if (!co_await session.forward_and_relay(command, wire::ResponseShape::Prepare, nullptr,
                                          &tracker)) {
    co_return false;
  }
  if (const auto& ok = tracker.prepare_ok(); ok && !tracker.ended_in_error()) {
    statement.num_params = ok->num_params;
    statement.num_columns = ok->num_columns;
    state.statements.add(ok->statement_id, std::move(statement));
  }
  co_return true;
}

awaitable<bool> StoreQueryCache::handle_execute(Session& session, const PacketView& command) {
  SessionState& state = session.mutable_state();
  auto header = wire::parse_stmt_execute_header(command.payload);
  PreparedStatement* statement = header ? state.statements.find(header->statement_id) : nullptr;
  if (statement == nullptr) {
    // Prepared before the proxy could see it (impossible) or unknown: the server decides.
    count_bypass(bypass_index(SessionBypass::UnknownStatement));
    cache::Analysis unknown;
    unknown.writes_unknown_tables = true;
    co_return co_await relay_tracked(session, command, &unknown);
  }
  const cache::Analysis& analysis = *statement->analysis;
  auto parameters = wire::canonical_execute_parameters(command.payload, statement->num_params,
                                                       statement->parameter_types);
  if (analysis.cacheable && !is_write(analysis)) {
    if (header->flags != wire::kCursorTypeNoCursor) {
      count_bypass(bypass_index(SessionBypass::Cursor));
    } else if (statement->long_data_pending) {
      count_bypass(bypass_index(SessionBypass::LongData));
    } else if (!parameters) {
      count_bypass(bypass_index(cache::BypassReason::Unparsable));
    } else if (auto plan = plan_read(state, *statement->analysis,
                                     wire::as_bytes(parameters->key_bytes), true)) {
      statement->parameter_types = parameters->types;
      co_return co_await serve_read(session, command, std::move(*plan), statement);
    }
  } else if (!is_write(analysis)) {
    count_bypass(bypass_index(analysis.reason));
  }
  if (parameters) statement->parameter_types = parameters->types;
  statement->long_data_pending = false;
  // The statement object may move if the response changes the statement map; copy first.
  auto analysis_copy = statement->analysis;
  co_return co_await forward_execute(session, command, *statement, analysis_copy.get());
}

awaitable<bool> StoreQueryCache::forward_execute(Session& session, const PacketView& command,
                                                 PreparedStatement& statement,
                                                 const cache::Analysis* analysis) {
  wire::Bytes rewritten;
  const PacketView forwarded = with_restored_types(command, &statement, rewritten);
  statement.server_has_types = !statement.parameter_types.empty() || statement.num_params == 0;
  co_return co_await relay_tracked(session, forwarded, analysis);
}

}  // namespace

std::vector<std::unique_ptr<QueryCache>> make_query_caches(
    const config::Config& config, std::shared_ptr<const CachePolicy> policy,
    const std::vector<std::unique_ptr<Worker>>& workers, asio::any_io_executor control) {
  std::vector<std::unique_ptr<QueryCache>> caches(workers.size());
  const config::StoreUrl& url = config.cache.store;
  if (url.scheme == config::StoreScheme::none) return caches;
  auto events = std::make_shared<CacheEventLog>(workers.size(), url.to_string());
  auto dependencies = std::make_shared<DependencyTracker>();
  std::shared_ptr<cache::CacheStore> shared_memory;
  std::shared_ptr<cache::NearCache> near_cache;
  std::shared_ptr<cache::RedisTrackingListener> listener;
  if (url.scheme == config::StoreScheme::memory) {
    cache::MemoryStoreOptions options;
    options.max_bytes = config.cache.memory_limit;
    shared_memory = std::make_shared<cache::MemoryStore>(options);
  }
  for (std::size_t i = 0; i < workers.size(); ++i) {
    std::shared_ptr<cache::CacheStore> store = shared_memory;
    if (!store) {
      cache::RedisOptions options;
      options.host = url.host;
      options.port = url.port;
      std::string username = config.cache.redis_username();
      std::string password = config.cache.redis_password();
      if (!username.empty()) options.username = username;
      if (!password.empty()) options.password = password;
      options.db = static_cast<int>(url.db);
      options.connect_timeout = config.cache.connect_timeout;
      options.command_timeout = config.cache.command_timeout;
      options.pool_size = config.cache.pool_size;
      options.tls = url.uses_tls();
      options.ca_file = config.cache.ca;
      // Store up/down transitions go through the proxy's logger (levels, JSON), once for the
      // process rather than once per worker.
      auto sink = [events, i](std::string_view event, std::string_view reason) {
        events->store_event(i, event, reason);
      };
      auto redis =
          std::make_shared<cache::RedisStore>(workers[i]->context().get_executor(), options, sink);
      if (config.cache.near_cache_limit != 0) {
        if (!near_cache) {
          cache::NearCacheOptions near_options;
          near_options.max_bytes = config.cache.near_cache_limit;
          near_options.ttl = config.cache.near_cache_ttl;
          near_options.epoch_key = cache::write_epoch_key(config.cache.key_prefix);
          near_cache = std::make_shared<cache::NearCache>(near_options);
          // One listener for the process, on the control thread: invalidations do not queue
          // behind any worker's sessions.
          listener = std::make_shared<cache::RedisTrackingListener>(
              control, options, cache::generation_key_prefix(config.cache.key_prefix), near_cache,
              [](std::string_view event, std::string_view reason) {
                if (event == "up") {
                  log_event(LogLevel::info, "near_cache", "up",
                            {{"effect", "hits whose generations are known skip Redis"}});
                } else {
                  log_event(LogLevel::warn, "near_cache", "down",
                            {{"reason", reason}, {"effect", "every lookup goes to Redis"}});
                }
              });
          listener->start();
        }
        redis->set_near_cache(near_cache);
      }
      store = std::move(redis);
    }
    auto cache = std::make_unique<StoreQueryCache>(store, policy, events, dependencies);
    if (i == 0) cache->keep_alive(listener);
    caches[i] = std::move(cache);
  }
  return caches;
}

}  // namespace sqlcache::proxy
