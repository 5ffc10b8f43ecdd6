#pragma once
// A thin RAII wrapper over libmysqlclient's MYSQL handle for the integration tests. It only
// saves boilerplate (init/close, turning MYSQL_RES into strings); tests that exercise a
// particular C API call use handle() and call it themselves, so the API under test stays
// visible in the test.
#include <mysql.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::testing {

// One row of a text result: NULL is std::nullopt, every other value the server's bytes.
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;

// What the server said about one column of a result (the fields of MYSQL_FIELD that come
// from the column definition packet), comparable so a relayed result can be checked against
// the direct one.
struct ColumnDefinition {
  std::string name;
  std::string org_name;
  std::string table;
  std::string org_table;
  std::string db;
  enum_field_types type = MYSQL_TYPE_NULL;
  unsigned long length = 0;
  unsigned flags = 0;
  unsigned decimals = 0;
  unsigned charsetnr = 0;
  bool operator==(const ColumnDefinition&) const = default;
};
std::vector<ColumnDefinition> column_definitions(MYSQL_RES* result);
// gtest prints mismatches with this.
void PrintTo(const ColumnDefinition& column, std::ostream* out);

// Copies every row of a result (store or use mode alike) into strings, honouring
// mysql_fetch_lengths() so binary values with NUL bytes survive.
Rows fetch_all_rows(MYSQL_RES* result);

class MysqlClient {
 public:
  MysqlClient();
  ~MysqlClient();
  MysqlClient(MysqlClient&& other) noexcept;
  MysqlClient& operator=(MysqlClient&& other) noexcept;
  MysqlClient(const MysqlClient&) = delete;
  MysqlClient& operator=(const MysqlClient&) = delete;

  // mysql_options() before connect(); returns false when the option is refused.
  bool set_option(mysql_option option, const void* value);

  // mysql_real_connect(); false on failure, with error_code()/error_message() set. An empty
  // db connects without a default schema (no CLIENT_CONNECT_WITH_DB).
  bool connect(const std::string& host, int port, const std::string& user,
               const std::string& password, const std::string& db = "", unsigned long flags = 0);

  // Runs a statement and returns its rows (an empty vector for a statement without a result
  // set); std::nullopt on error. Only the first result of a multi-statement is read.
  std::optional<Rows> query(std::string_view sql);

  // Runs a statement and discards any result; false on error.
  bool exec(std::string_view sql);

  // The single value of a one-row, one-column result, or std::nullopt (error, no row, NULL).
  std::optional<std::string> scalar(std::string_view sql);

  unsigned error_code() const;
  std::string error_message() const;
  std::string sqlstate() const;
  // "code (sqlstate): message", for assertion messages.
  std::string describe_error() const;

  // The backend's connection id as the server announced it in its greeting.
  unsigned long thread_id() const;

  // Closes the connection (COM_QUIT) now; the destructor does the same.
  void close();

  MYSQL* handle() const { return mysql_; }

 private:
  MYSQL* mysql_ = nullptr;
};

// Owns a MYSQL_STMT; mysql_stmt_close() on destruction (a test that checks the close itself
// calls release() first).
struct StatementCloser {
  void operator()(MYSQL_STMT* statement) const { mysql_stmt_close(statement); }
};
using StatementPtr = std::unique_ptr<MYSQL_STMT, StatementCloser>;

// "code (sqlstate): message" of a statement handle, for assertion messages.
std::string describe_error(MYSQL_STMT* statement);

// Whether the error of a command on a connection that died is one a client can act on: the
// client library's own "lost connection" (2013) or "gone away" (2006), or an error packet
// with a server error code (below 2000, e.g. 1927 "connection was killed", 1053 "server
// shutdown"). Any other client-library code means the client did not understand what it got:
// libmariadb reports an error packet carrying a client-range code such as 2013 as 2027
// "Received malformed packet", so a proxy must never put those in an error packet.
bool is_clean_connection_failure(unsigned error_code);

// Where and as whom the tests reach the database directly (from test_env()).
struct DirectServer {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
};
DirectServer direct_server();

// A connection straight to the backend as the test user, bypassing any proxy. Check
// handle state with error_code() when the connection matters.
MysqlClient connect_direct(const std::string& db = "", unsigned long flags = 0);

// A global status counter of the backend (SHOW GLOBAL STATUS LIKE 'name'), read over a direct
// connection so the proxy under test cannot influence it. std::nullopt when unreadable.
std::optional<long long> backend_status_counter(const std::string& name);

// A session status counter (SHOW SESSION STATUS LIKE 'name') of this client's own session,
// read over its own connection: what the session did, whichever route it took.
std::optional<long long> session_status_counter(MysqlClient& client, const std::string& name);

// Whether the backend still has a connection with this id (information_schema.PROCESSLIST),
// read over a direct connection. std::nullopt when it cannot be read.
std::optional<bool> backend_has_connection(unsigned long connection_id);

}  // namespace sqlcache::testing
