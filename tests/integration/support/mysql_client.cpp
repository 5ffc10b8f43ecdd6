#include "support/mysql_client.hpp"

#include <errmsg.h>

#include <charconv>
#include <system_error>
#include <utility>

#include "support/test_env.hpp"

namespace sqlcache::testing {

Rows fetch_all_rows(MYSQL_RES* result) {
  Rows rows;
  const unsigned columns = mysql_num_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row values;
    values.reserve(columns);
    for (unsigned i = 0; i < columns; ++i) {
      if (row[i] == nullptr) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(std::string(row[i], lengths[i]));
      }
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

std::vector<ColumnDefinition> column_definitions(MYSQL_RES* result) {
  std::vector<ColumnDefinition> columns;
  const unsigned count = mysql_num_fields(result);
  const MYSQL_FIELD* fields = mysql_fetch_fields(result);
  for (unsigned i = 0; i < count; ++i) {
    const MYSQL_FIELD& field = fields[i];
    columns.push_back(ColumnDefinition{
        std::string(field.name, field.name_length),
        std::string(field.org_name, field.org_name_length),
        std::string(field.table, field.table_length),
        std::string(field.org_table, field.org_table_length),
        std::string(field.db, field.db_length),
        field.type,
        field.length,
        field.flags,
        field.decimals,
        field.charsetnr,
    });
  }
  return columns;
}

void PrintTo(const ColumnDefinition& column, std::ostream* out) {
  *out << "{" << column.db << "." << column.org_table << "." << column.org_name << " as "
       << column.table << "." << column.name << " type=" << column.type
       << " length=" << column.length << " flags=" << column.flags
       << " decimals=" << column.decimals << " charset=" << column.charsetnr << "}";
}

MysqlClient::MysqlClient() : mysql_(mysql_init(nullptr)) {}

MysqlClient::~MysqlClient() { close(); }

MysqlClient::MysqlClient(MysqlClient&& other) noexcept
    : mysql_(std::exchange(other.mysql_, nullptr)) {}

MysqlClient& MysqlClient::operator=(MysqlClient&& other) noexcept {
  if (this != &other) {
    close();
    mysql_ = std::exchange(other.mysql_, nullptr);
  }
  return *this;
}

bool MysqlClient::set_option(mysql_option option, const void* value) {
  return mysql_options(mysql_, option, value) == 0;
}

bool MysqlClient::connect(const std::string& host, int port, const std::string& user,
                          const std::string& password, const std::string& db, unsigned long flags) {
  return mysql_real_connect(mysql_, host.c_str(), user.c_str(), password.c_str(),
                            db.empty() ? nullptr : db.c_str(), static_cast<unsigned>(port), nullptr,
                            flags) != nullptr;
}

std::optional<Rows> MysqlClient::query(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return std::nullopt;
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) {
    // No result set: fine for a statement without one, an error otherwise.
    if (mysql_field_count(mysql_) != 0) return std::nullopt;
    return Rows{};
  }
  Rows rows = fetch_all_rows(result);
  mysql_free_result(result);
  return rows;
}

bool MysqlClient::exec(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return false;
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result != nullptr) {
    mysql_free_result(result);
    return true;
  }
  return mysql_field_count(mysql_) == 0;
}

std::optional<std::string> MysqlClient::scalar(std::string_view sql) {
  std::optional<Rows> rows = query(sql);
  if (!rows || rows->size() != 1 || rows->front().size() != 1) return std::nullopt;
  return rows->front().front();
}

unsigned MysqlClient::error_code() const { return mysql_errno(mysql_); }
std::string MysqlClient::error_message() const { return mysql_error(mysql_); }
std::string MysqlClient::sqlstate() const { return mysql_sqlstate(mysql_); }

std::string MysqlClient::describe_error() const {
  return std::to_string(error_code()) + " (" + sqlstate() + "): " + error_message();
}

unsigned long MysqlClient::thread_id() const { return mysql_thread_id(mysql_); }

void MysqlClient::close() {
  if (mysql_ != nullptr) mysql_close(std::exchange(mysql_, nullptr));
}

std::string describe_error(MYSQL_STMT* statement) {
  return std::to_string(mysql_stmt_errno(statement)) + " (" + mysql_stmt_sqlstate(statement) +
         "): " + mysql_stmt_error(statement);
}

bool is_clean_connection_failure(unsigned error_code) {
  if (error_code == CR_SERVER_LOST || error_code == CR_SERVER_GONE_ERROR) return true;
  return error_code != 0 && error_code < CR_MIN_ERROR;
}

DirectServer direct_server() {
  const TestEnv& env = test_env();
  return DirectServer{env.mysql_host, env.mysql_port, env.mysql_user, env.mysql_password};
}

MysqlClient connect_direct(const std::string& db, unsigned long flags) {
  const DirectServer server = direct_server();
  MysqlClient client;
  client.connect(server.host, server.port, server.user, server.password, db, flags);
  return client;
}

namespace {

// The value of a one-row SHOW STATUS result as a number.
std::optional<long long> status_value(MysqlClient& client, const std::string& sql) {
  std::optional<Rows> rows = client.query(sql);
  if (!rows || rows->size() != 1 || rows->front().size() != 2 || !rows->front()[1]) {
    return std::nullopt;
  }
  const std::string& text = *rows->front()[1];
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<long long> backend_status_counter(const std::string& name) {
  MysqlClient client = connect_direct();
  if (client.error_code() != 0) return std::nullopt;
  return status_value(client, "SHOW GLOBAL STATUS LIKE '" + name + "'");
}

std::optional<long long> session_status_counter(MysqlClient& client, const std::string& name) {
  return status_value(client, "SHOW SESSION STATUS LIKE '" + name + "'");
}

std::optional<bool> backend_has_connection(unsigned long connection_id) {
  MysqlClient client = connect_direct();
  if (client.error_code() != 0) return std::nullopt;
  std::optional<std::string> count =
      client.scalar("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " +
                    std::to_string(connection_id));
  if (!count) return std::nullopt;
  return *count != "0";
}

}  // namespace sqlcache::testing
