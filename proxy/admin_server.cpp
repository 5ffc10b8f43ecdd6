#include "proxy/admin_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

#include "cache/cache_key.hpp"
#include "proxy/backend_connector.hpp"
#include "proxy/log.hpp"
#include "proxy/metrics_exposition.hpp"
#include "proxy/query_cache.hpp"
#include "proxy/server.hpp"
#include "proxy/worker.hpp"

namespace sqlcache::proxy {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response make_response(const Request& request, http::status status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8") {
  Response response(status, request.version());
  response.set(http::field::server, "sqlcache");
  response.set(http::field::content_type, std::string(content_type));
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// The value of `name` in the query string of `target` ("/cache/invalidate?table=db.t").
std::string query_parameter(std::string_view target, std::string_view name) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name && eq != std::string_view::npos) {
      std::string value;
      std::string_view raw = pair.substr(eq + 1);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size()) {
          value += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else {
          value += raw[i] == '+' ? ' ' : raw[i];
        }
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

awaitable<StoreStatus> read_store_status(QueryCache* cache) { co_return cache->store_status(); }

awaitable<bool> invalidate_on_worker(QueryCache* cache, std::vector<std::string> keys) {
  const bool bumped = co_await cache->invalidate(std::move(keys));
  co_return bumped;
}

awaitable<StoreStatus> store_status(Server& server) {
  const auto& workers = server.workers();
  if (workers.empty() || workers.front()->query_cache() == nullptr) {
    co_return StoreStatus{"none", true, 0, 0, 0, 0};
  }
  Worker& worker = *workers.front();
  StoreStatus status = co_await asio::co_spawn(
      worker.context(), read_store_status(worker.query_cache()), asio::use_awaitable);
  co_return status;
}

std::vector<std::size_t> worker_connections(const Server& server) {
  std::vector<std::size_t> counts;
  for (const auto& worker : server.workers()) counts.push_back(worker->connection_count());
  return counts;
}

awaitable<Response> handle(Server& server, const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = path_of(target);
  auto config = server.config();
  auto policy = server.policy();

  if (path == "/healthz") co_return make_response(request, http::status::ok, "ok\n");

  if (path == "/metrics") {
    StoreStatus store = co_await store_status(server);
    co_return make_response(
        request, http::status::ok,
        render_prometheus(global_metrics(), policy.get(), store, worker_connections(server)),
        "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/stats") {
    StoreStatus store = co_await store_status(server);
    co_return make_response(
        request, http::status::ok,
        render_stats_json(global_metrics(), policy.get(), store, worker_connections(server)),
        "application/json");
  }
  if (path == "/readyz") {
    BackendAddress backend{config->backend.host, config->backend.port};
    auto connection = co_await connect_with_timeout(
        backend, std::min(config->backend.connect_timeout, std::chrono::milliseconds(2000)));
    boost::system::error_code ignored;
    connection.socket.close(ignored);
    StoreStatus store = co_await store_status(server);
    const bool backend_ok = !connection.error;
    std::string body = std::string("{\"ready\":") + (backend_ok ? "true" : "false") +
                       ",\"backend\":\"" + (backend_ok ? "reachable" : "unreachable") +
                       "\",\"store\":{\"kind\":\"" + store.kind +
                       "\",\"available\":" + (store.available ? "true" : "false") + "}}\n";
    // The store is not a readiness condition: without it the proxy still serves (fail open).
    co_return make_response(request,
                            backend_ok ? http::status::ok : http::status::service_unavailable, body,
                            "application/json");
  }

  if (path == "/cache/invalidate" || path == "/cache/flush") {
    if (request.method() != http::verb::post) {
      auto response = make_response(request, http::status::method_not_allowed, "use POST\n");
      response.set(http::field::allow, "POST");
      co_return response;
    }
    if (!config->admin.token.empty()) {
      auto auth = request[http::field::authorization];
      if (std::string_view(auth.data(), auth.size()) != "Bearer " + config->admin.token) {
        co_return make_response(request, http::status::unauthorized,
                                "missing or wrong bearer token\n");
      }
    }
    const auto& workers = server.workers();
    if (workers.empty() || workers.front()->query_cache() == nullptr || !policy) {
      co_return make_response(request, http::status::conflict, "caching is off (store: none)\n");
    }
    std::vector<std::string> keys;
    std::string what;
    if (path == "/cache/flush") {
      keys.push_back(cache::global_generation_key(policy->key_prefix));
      what = "everything";
    } else if (std::string table = query_parameter(target, "table"); !table.empty()) {
      auto dot = table.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == table.size()) {
        co_return make_response(request, http::status::bad_request, "table must be schema.table\n");
      }
      keys.push_back(cache::table_generation_key(policy->key_prefix, table.substr(0, dot),
                                                 table.substr(dot + 1)));
      what = "table " + table;
    } else if (std::string schema = query_parameter(target, "schema"); !schema.empty()) {
      keys.push_back(cache::schema_generation_key(policy->key_prefix, schema));
      what = "schema " + schema;
    } else {
      co_return make_response(request, http::status::bad_request,
                              "give ?table=schema.table or ?schema=name\n");
    }
    Worker& worker = *workers.front();
    bool ok = co_await asio::co_spawn(worker.context(),
                                      invalidate_on_worker(worker.query_cache(), std::move(keys)),
                                      asio::use_awaitable);
    log_event(ok ? LogLevel::info : LogLevel::warn, "admin", "invalidate",
              {{"what", what}, {"result", ok ? "ok" : "store_error"}});
    if (!ok) {
      co_return make_response(request, http::status::service_unavailable,
                              "the cache store did not take the invalidation\n");
    }
    co_return make_response(request, http::status::ok, "invalidated " + what + "\n");
  }
  co_return make_response(request, http::status::not_found,
                          "not found; try /metrics /healthz /readyz /stats\n");
}

awaitable<void> serve_connection(Server& server, tcp::socket socket) {
  beast::flat_buffer buffer;
  while (true) {
    Request request;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    boost::system::error_code ec;
    co_await http::async_read(socket, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    request = parser.release();
    Response response = co_await handle(server, request);
    co_await http::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

AdminServer::AdminServer(Server& server, asio::io_context& context, const tcp::endpoint& endpoint)
    : server_(server), acceptor_(context) {
  try {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen for admin on " + endpoint.address().to_string() + ":" +
                             std::to_string(endpoint.port()) + ": " + e.code().message());
  }
}

void AdminServer::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void AdminServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

awaitable<void> AdminServer::accept_loop() {
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) break;
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), serve_connection(server_, std::move(socket)),
                   asio::detached);
  }
}

}  // namespace sqlcache::proxy
