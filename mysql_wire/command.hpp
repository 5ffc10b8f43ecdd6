#pragma once
// Command phase: the first byte of every client command. https://mariadb.com/kb/en/2-text-protocol/
#include <cstdint>
#include <optional>
#include <string_view>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

enum class Command : std::uint8_t {
  Sleep = 0x00,
  Quit = 0x01,
  InitDb = 0x02,
  Query = 0x03,
  FieldList = 0x04,
  CreateDb = 0x05,
  DropDb = 0x06,
  Refresh = 0x07,
  Shutdown = 0x08,
  Statistics = 0x09,
  ProcessInfo = 0x0A,
  Connect = 0x0B,
  ProcessKill = 0x0C,
  Debug = 0x0D,
  Ping = 0x0E,
  Time = 0x0F,
  DelayedInsert = 0x10,
  ChangeUser = 0x11,
  BinlogDump = 0x12,
  TableDump = 0x13,
  ConnectOut = 0x14,
  RegisterSlave = 0x15,
  StmtPrepare = 0x16,
  StmtExecute = 0x17,
  StmtSendLongData = 0x18,
  StmtClose = 0x19,
  StmtReset = 0x1A,
  SetOption = 0x1B,
  StmtFetch = 0x1C,
  Daemon = 0x1D,
  BinlogDumpGtid = 0x1E,
  ResetConnection = 0x1F,
  StmtBulkExecute = 0xFA,  // MariaDB, needs the masked bulk capability
  Multi = 0xFE,            // MariaDB COM_MULTI, needs a masked capability
};

std::string_view command_name(std::uint8_t command_byte);

// How the server answers a command; the response tracker follows this shape.
enum class ResponseShape {
  None,          // COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT
  SinglePacket,  // OK, ERR, EOF or a string (COM_STATISTICS)
  ResultSets,    // COM_QUERY, COM_STMT_EXECUTE, COM_PROCESS_INFO: OK/ERR/result set(s)/LOCAL INFILE
  Prepare,       // COM_STMT_PREPARE
  FieldList,     // COM_FIELD_LIST: column definitions until EOF
  Fetch,         // COM_STMT_FETCH: binary rows until EOF/OK
  Auth,          // COM_CHANGE_USER and the connection phase: an auth exchange
  Unsupported,   // replication and other commands the proxy refuses itself
};

ResponseShape response_shape(std::uint8_t command_byte);

// COM_STMT_EXECUTE's fixed prefix. https://mariadb.com/kb/en/com_stmt_execute/
struct StmtExecuteHeader {
  std::uint32_t statement_id = 0;
  std::uint8_t flags = 0;  // cursor type
  std::uint32_t iteration_count = 0;
};
inline constexpr std::uint8_t kCursorTypeNoCursor = 0x00;
std::optional<StmtExecuteHeader> parse_stmt_execute_header(ByteView payload);

// The statement id that COM_STMT_CLOSE, _RESET, _SEND_LONG_DATA and _FETCH name.
std::optional<std::uint32_t> parse_statement_id(ByteView payload);

// COM_STMT_PREPARE's OK response: https://mariadb.com/kb/en/com_stmt_prepare/#com_stmt_prepare_ok
struct PrepareOk {
  std::uint32_t statement_id = 0;
  std::uint16_t num_columns = 0;
  std::uint16_t num_params = 0;
  std::uint16_t warnings = 0;
};
std::optional<PrepareOk> parse_prepare_ok(ByteView payload);

// COM_CHANGE_USER: https://mariadb.com/kb/en/com_change_user/
struct ChangeUser {
  std::string_view username;
  std::string_view database;
  std::uint16_t character_set = 0;
  std::string_view auth_plugin_name;
};
std::optional<ChangeUser> parse_change_user(ByteView payload, std::uint64_t capabilities);

}  // namespace sqlcache::wire
