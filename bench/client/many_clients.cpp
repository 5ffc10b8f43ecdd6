// Mode "clients": --clients connections opened at once (idle), then every one of them active
// at the same moment, --bursts times: each burst sends the query on every connection and waits
// for all the results. The latency of a query is from its send to its last row, so at N
// clients it includes the wait behind the other N-1 (the database directly is measured the
// same way for comparison).
//
// With --wait-stdin 1 the client prints a "connected" line after the connection phase and
// waits for a line on stdin before the bursts (and again after them, before closing), so the
// harness can read the proxy's memory with every client connected, idle and then active.
//
// One thread drives all connections with MariaDB Connector/C's non-blocking API
// (MYSQL_OPT_NONBLOCK, *_start/*_cont) and poll(): thousands of clients need no threads.
#include <mysql.h>
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "latency_summary.hpp"
#include "modes.hpp"
#include "mysql_target.hpp"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

enum class Step { idle, connecting, querying, storing, failed };

struct Client {
  MYSQL* mysql = nullptr;
  Step step = Step::idle;
  int wait = 0;  // MYSQL_WAIT_* bits the library waits for
  Clock::time_point deadline;
  Clock::time_point started;
};

struct Phase {
  std::vector<double> samples_us;
  std::uint64_t errors = 0;
  std::uint64_t error_reports = 0;
};

void fail(Client& c, Phase& phase, const char* what) {
  if (phase.error_reports++ < 5) {
    std::fprintf(stderr, "bench_client clients: %s: %s\n", what, mysql_error(c.mysql));
  }
  ++phase.errors;
  c.step = Step::failed;
  c.wait = 0;
}

void set_wait(Client& c, int status) {
  c.wait = status;
  if (status & MYSQL_WAIT_TIMEOUT) {
    c.deadline = Clock::now() + std::chrono::milliseconds(mysql_get_timeout_value_ms(c.mysql));
  }
}

void finish_store(Client& c, Phase& phase, MYSQL_RES* result) {
  if (result == nullptr && mysql_field_count(c.mysql) != 0) return fail(c, phase, "result");
  if (result != nullptr) mysql_free_result(result);
  phase.samples_us.push_back(
      std::chrono::duration<double, std::micro>(Clock::now() - c.started).count());
  c.step = Step::idle;
  c.wait = 0;
}

void start_store(Client& c, Phase& phase) {
  MYSQL_RES* result = nullptr;
  int status = mysql_store_result_start(&result, c.mysql);
  if (status == 0) return finish_store(c, phase, result);
  c.step = Step::storing;
  set_wait(c, status);
}

void start_query(Client& c, Phase& phase, const std::string& sql) {
  int error = 0;
  c.started = Clock::now();
  int status = mysql_real_query_start(&error, c.mysql, sql.data(), sql.size());
  if (status != 0) {
    c.step = Step::querying;
    return set_wait(c, status);
  }
  if (error != 0) return fail(c, phase, "query");
  start_store(c, phase);
}

void start_connect(Client& c, Phase& phase, const MysqlTarget& t) {
  c.mysql = mysql_init(nullptr);
  mysql_options(c.mysql, MYSQL_OPT_NONBLOCK, nullptr);
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_options(c.mysql, MYSQL_OPT_PROTOCOL, &protocol);
  unsigned timeout = 30;
  mysql_options(c.mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  MYSQL* connected = nullptr;
  c.started = Clock::now();
  int status = mysql_real_connect_start(&connected, c.mysql, t.host.c_str(), t.user.c_str(),
                                        t.password.c_str(), t.db.empty() ? nullptr : t.db.c_str(),
                                        t.port, nullptr, 0);
  c.step = Step::connecting;
  if (status != 0) return set_wait(c, status);
  if (connected == nullptr) return fail(c, phase, "connect");
  c.step = Step::idle;
  c.wait = 0;
}

// Hands the events that arrived to the library and moves the client on.
void resume(Client& c, Phase& phase, int events) {
  switch (c.step) {
    case Step::connecting: {
      MYSQL* connected = nullptr;
      int status = mysql_real_connect_cont(&connected, c.mysql, events);
      if (status != 0) return set_wait(c, status);
      if (connected == nullptr) return fail(c, phase, "connect");
      c.step = Step::idle;
      c.wait = 0;
      return;
    }
    case Step::querying: {
      int error = 0;
      int status = mysql_real_query_cont(&error, c.mysql, events);
      if (status != 0) return set_wait(c, status);
      if (error != 0) return fail(c, phase, "query");
      return start_store(c, phase);
    }
    case Step::storing: {
      MYSQL_RES* result = nullptr;
      int status = mysql_store_result_cont(&result, c.mysql, events);
      if (status != 0) return set_wait(c, status);
      return finish_store(c, phase, result);
    }
    default:
      return;
  }
}

// Polls the clients that wait for the library until none does; `refill` may start more work
// (returns false when it has nothing left to start). Bounded by `limit`.
template <typename Refill>
void drive(std::vector<Client>& clients, Phase& phase, Refill refill, Clock::duration limit) {
  auto give_up = Clock::now() + limit;
  std::vector<pollfd> fds;
  std::vector<std::size_t> owners;
  for (;;) {
    bool more = refill();
    fds.clear();
    owners.clear();
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      if (c.wait == 0) continue;
      short events = 0;
      if (c.wait & MYSQL_WAIT_READ) events |= POLLIN;
      if (c.wait & MYSQL_WAIT_WRITE) events |= POLLOUT;
      if (c.wait & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
      fds.push_back(pollfd{mysql_get_socket(c.mysql), events, 0});
      owners.push_back(i);
    }
    if (fds.empty() && !more) return;
    if (Clock::now() > give_up) {
      for (std::size_t i : owners) fail(clients[i], phase, "phase time limit");
      return;
    }
    if (fds.empty()) continue;
    ::poll(fds.data(), fds.size(), 50);
    auto now = Clock::now();
    for (std::size_t k = 0; k < fds.size(); ++k) {
      Client& c = clients[owners[k]];
      int events = 0;
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) events |= MYSQL_WAIT_READ;
      if (fds[k].revents & POLLOUT) events |= MYSQL_WAIT_WRITE;
      if (fds[k].revents & POLLPRI) events |= MYSQL_WAIT_EXCEPT;
      if (events == 0 && (c.wait & MYSQL_WAIT_TIMEOUT) && now >= c.deadline) {
        events = MYSQL_WAIT_TIMEOUT;
      }
      if (events != 0) resume(c, phase, events);
    }
  }
}

}  // namespace

int run_many_clients(const Options& options) {
  MysqlTarget target = MysqlTarget::from(options);
  std::string sql = options.text("query");
  long count = options.number("clients", 10);
  long bursts = options.number("bursts", 5);
  long parallel_connects = options.number("connect-parallel", 64);
  bool wait_stdin = options.number("wait-stdin", 0) != 0;
  if (sql.empty() || count <= 0) {
    std::fprintf(stderr, "bench_client clients: --query and a positive --clients are required\n");
    return 2;
  }

  std::vector<Client> clients(static_cast<std::size_t>(count));
  Phase connecting;
  std::size_t next = 0;
  auto connect_started = Clock::now();
  // At most `parallel_connects` handshakes in flight: a burst of thousands of SYNs would
  // overflow the listen backlog and measure the kernel's SYN retry timer instead.
  auto refill_connects = [&] {
    long in_flight = 0;
    for (const Client& c : clients) in_flight += c.step == Step::connecting ? 1 : 0;
    while (next < clients.size() && in_flight < parallel_connects) {
      start_connect(clients[next++], connecting, target);
      ++in_flight;
    }
    return next < clients.size();
  };
  drive(clients, connecting, refill_connects, std::chrono::seconds(120));
  double connect_seconds = std::chrono::duration<double>(Clock::now() - connect_started).count();
  long connected = 0;
  for (const Client& c : clients) connected += c.step == Step::idle ? 1 : 0;
  std::printf(
      "{\"phase\":\"connected\",\"clients\":%ld,\"connected\":%ld,\"errors\":%llu,"
      "\"connect_seconds\":%.3f}\n",
      count, connected, static_cast<unsigned long long>(connecting.errors), connect_seconds);
  std::fflush(stdout);
  if (wait_stdin) {
    std::string line;
    std::getline(std::cin, line);
  }

  Phase active;
  for (long b = 0; b < bursts; ++b) {
    for (Client& c : clients) {
      if (c.step == Step::idle) start_query(c, active, sql);
    }
    drive(
        clients, active, [] { return false; }, std::chrono::seconds(120));
  }
  LatencySummary summary = summarise(active.samples_us, active.errors + connecting.errors);
  print_json(summary, "\"phase\":\"active\",\"clients\":" + std::to_string(count) +
                          ",\"connect_errors\":" + std::to_string(connecting.errors));
  if (wait_stdin) {  // the harness reads the memory of the proxy after the bursts, too
    std::string line;
    std::getline(std::cin, line);
  }
  for (Client& c : clients) {
    if (c.mysql != nullptr) mysql_close(c.mysql);
  }
  return summary.errors == 0 ? 0 : 1;
}

}  // namespace bench
