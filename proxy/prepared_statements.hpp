#pragma once
// The prepared statements of one client session, as the cache needs them: the SQL text and
// its analysis from COM_STMT_PREPARE, the counts from the prepare response, and the
// parameter types the client bound last (COM_STMT_EXECUTE omits them when unchanged).
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "cache/sql_analysis.hpp"

namespace sqlcache::proxy {

struct PreparedStatement {
  std::string sql;
  std::shared_ptr<const cache::Analysis> analysis;
  std::uint16_t num_params = 0;
  std::uint16_t num_columns = 0;
  std::string parameter_types;     // 2 bytes per parameter, as last sent by the client
  bool long_data_pending = false;  // COM_STMT_SEND_LONG_DATA since the last execute
  // Whether the server has seen parameter types for this statement (an execute answered from
  // the cache never reached it).
  bool server_has_types = false;
};

class PreparedStatements {
 public:
  // MariaDB lets COM_STMT_EXECUTE name "the last prepared statement" as id 0xFFFFFFFF.
  static constexpr std::uint32_t kLastPrepared = 0xFFFFFFFF;

  void add(std::uint32_t id, PreparedStatement statement) {
    statements_[id] = std::move(statement);
    last_id_ = id;
  }
  PreparedStatement* find(std::uint32_t id) {
    if (id == kLastPrepared) id = last_id_;
    auto it = statements_.find(id);
    return it == statements_.end() ? nullptr : &it->second;
  }
  void erase(std::uint32_t id) { statements_.erase(id); }
  void clear() { statements_.clear(); }
  std::size_t size() const { return statements_.size(); }

 private:
  std::unordered_map<std::uint32_t, PreparedStatement> statements_;
  std::uint32_t last_id_ = kLastPrepared;
};

}  // namespace sqlcache::proxy
