#include "mysql_wire/command.hpp"

#include "mysql_wire/capabilities.hpp"

namespace sqlcache::wire {

std::string_view command_name(std::uint8_t command_byte) {
  switch (static_cast<Command>(command_byte)) {
    case Command::Sleep:
      return "COM_SLEEP";
    case Command::Quit:
      return "COM_QUIT";
    case Command::InitDb:
      return "COM_INIT_DB";
    case Command::Query:
      return "COM_QUERY";
    case Command::FieldList:
      return "COM_FIELD_LIST";
    case Command::CreateDb:
      return "COM_CREATE_DB";
    case Command::DropDb:
      return "COM_DROP_DB";
    case Command::Refresh:
      return "COM_REFRESH";
    case Command::Shutdown:
      return "COM_SHUTDOWN";
    case Command::Statistics:
      return "COM_STATISTICS";
    case Command::ProcessInfo:
      return "COM_PROCESS_INFO";
    case Command::Connect:
      return "COM_CONNECT";
    case Command::ProcessKill:
      return "COM_PROCESS_KILL";
    case Command::Debug:
      return "COM_DEBUG";
    case Command::Ping:
      return "COM_PING";
    case Command::Time:
      return "COM_TIME";
    case Command::DelayedInsert:
      return "COM_DELAYED_INSERT";
    case Command::ChangeUser:
      return "COM_CHANGE_USER";
    case Command::BinlogDump:
      return "COM_BINLOG_DUMP";
    case Command::TableDump:
      return "COM_TABLE_DUMP";
    case Command::ConnectOut:
      return "COM_CONNECT_OUT";
    case Command::RegisterSlave:
      return "COM_REGISTER_SLAVE";
    case Command::StmtPrepare:
      return "COM_STMT_PREPARE";
    case Command::StmtExecute:
      return "COM_STMT_EXECUTE";
    case Command::StmtSendLongData:
      return "COM_STMT_SEND_LONG_DATA";
    case Command::StmtClose:
      return "COM_STMT_CLOSE";
    case Command::StmtReset:
      return "COM_STMT_RESET";
    case Command::SetOption:
      return "COM_SET_OPTION";
    case Command::StmtFetch:
      return "COM_STMT_FETCH";
    case Command::Daemon:
      return "COM_DAEMON";
    case Command::BinlogDumpGtid:
      return "COM_BINLOG_DUMP_GTID";
    case Command::ResetConnection:
      return "COM_RESET_CONNECTION";
    case Command::StmtBulkExecute:
      return "COM_STMT_BULK_EXECUTE";
    case Command::Multi:
      return "COM_MULTI";
  }
  return "COM_UNKNOWN";
}

ResponseShape response_shape(std::uint8_t command_byte) {
  switch (static_cast<Command>(command_byte)) {
    case Command::Quit:
    case Command::StmtClose:
    case Command::StmtSendLongData:
      return ResponseShape::None;
    case Command::Query:
    case Command::StmtExecute:
    case Command::ProcessInfo:
      return ResponseShape::ResultSets;
    case Command::StmtPrepare:
      return ResponseShape::Prepare;
    case Command::FieldList:
      return ResponseShape::FieldList;
    case Command::StmtFetch:
      return ResponseShape::Fetch;
    case Command::ChangeUser:
      return ResponseShape::Auth;
    case Command::Sleep:
    case Command::InitDb:
    case Command::CreateDb:
    case Command::DropDb:
    case Command::Refresh:
    case Command::Shutdown:
    case Command::Statistics:
    case Command::Connect:
    case Command::ProcessKill:
    case Command::Debug:
    case Command::Ping:
    case Command::Time:
    case Command::DelayedInsert:
    case Command::StmtReset:
    case Command::SetOption:
    case Command::ResetConnection:
      return ResponseShape::SinglePacket;
    // Replication streams, bulk execute and COM_MULTI need capabilities or roles the proxy
    // does not offer: refused by the proxy with an error, never forwarded.
    case Command::BinlogDump:
    case Command::TableDump:
    case Command::ConnectOut:
    case Command::RegisterSlave:
    case Command::Daemon:
    case Command::BinlogDumpGtid:
    case Command::StmtBulkExecute:
    case Command::Multi:
      return ResponseShape::Unsupported;
  }
  return ResponseShape::Unsupported;
}

std::optional<StmtExecuteHeader> parse_stmt_execute_header(ByteView payload) {
  ByteReader r(payload);
  if (r.u8() != static_cast<std::uint8_t>(Command::StmtExecute)) return std::nullopt;
  StmtExecuteHeader h;
  h.statement_id = r.u32();
  h.flags = r.u8();
  h.iteration_count = r.u32();
  if (!r.ok()) return std::nullopt;
  return h;
}

std::optional<std::uint32_t> parse_statement_id(ByteView payload) {
  ByteReader r(payload);
  r.u8();
  std::uint32_t id = r.u32();
  if (!r.ok()) return std::nullopt;
  return id;
}

std::optional<PrepareOk> parse_prepare_ok(ByteView payload) {
  ByteReader r(payload);
  if (r.u8() != 0x00) return std::nullopt;
  PrepareOk ok;
  ok.statement_id = r.u32();
  ok.num_columns = r.u16();
  ok.num_params = r.u16();
  if (!r.ok()) return std::nullopt;
  if (r.remaining() >= 3) {
    r.skip(1);
    ok.warnings = r.u16();
  }
  return ok;
}

std::optional<ChangeUser> parse_change_user(ByteView payload, std::uint64_t capabilities) {
  ByteReader r(payload);
  if (r.u8() != static_cast<std::uint8_t>(Command::ChangeUser)) return std::nullopt;
  ChangeUser c;
  c.username = r.null_string();
  if (capabilities & cap::kSecureConnection) {
    r.skip(r.u8());
  } else {
    r.null_string();
  }
  c.database = r.null_string();
  if (!r.ok()) return std::nullopt;
  if (r.remaining() >= 2) c.character_set = r.u16();
  if ((capabilities & cap::kPluginAuth) && !r.at_end()) c.auth_plugin_name = r.null_string();
  if (!r.ok()) return std::nullopt;
  return c;
}

}  // namespace sqlcache::wire
