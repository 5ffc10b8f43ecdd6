#pragma once
// Says where a server response ends, reading the raw byte stream as it arrives.
//
// The proxy relays responses byte for byte (design decision 1); it only has to know which
// bytes belong to the response of the command it sent, when the server is waiting for the
// client instead (LOCAL INFILE, an auth exchange), and a few facts about how it ended
// (error, status flags, warnings). The tracker looks at the first bytes of every logical
// packet (continuation chunks of 16 MiB packets are skipped) and never buffers a payload.
//
// Response shapes: https://mariadb.com/kb/en/result-set-packets/ ,
// https://mariadb.com/kb/en/com_stmt_prepare/ , https://mariadb.com/kb/en/com_field_list/ ,
// https://mariadb.com/kb/en/local_infile-packet/ , https://mariadb.com/kb/en/connection/
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "mysql_wire/bytes.hpp"
#include "mysql_wire/command.hpp"

namespace sqlcache::wire {

class ResponseTracker {
 public:
  enum class State {
    ExpectServer,   // more server bytes belong to this response
    ExpectClient,   // the server waits for client packets (LOCAL INFILE data, auth data)
    Complete,       // the response is over
    ProtocolError,  // the bytes do not follow the protocol; the connection cannot go on
  };

  // `capabilities`: the set negotiated between client and server.
  ResponseTracker(ResponseShape shape, std::uint64_t capabilities);

  // Consumes the server bytes that belong to this response, up to its end or to the point
  // where the server waits for the client, and returns how many were consumed.
  std::size_t feed(ByteView data);

  // A complete logical packet the client sent while state() == ExpectClient.
  void on_client_packet(ByteView payload, std::uint8_t last_sequence_id);

  State state() const { return state_; }
  bool complete() const { return state_ == State::Complete; }

  // Facts about the response so far.
  bool ended_in_error() const { return error_; }
  std::uint16_t error_code() const { return error_code_; }
  bool has_status() const { return has_status_; }
  std::uint16_t status_flags() const { return status_; }  // of the last OK/EOF packet
  std::uint16_t warnings() const { return warnings_; }    // sum over the response's OK/EOFs
  std::uint64_t rows() const { return rows_; }
  std::uint32_t result_sets() const { return result_sets_; }
  bool used_local_infile() const { return local_infile_; }
  const std::optional<PrepareOk>& prepare_ok() const { return prepare_ok_; }
  // The sequence id that a packet following the last one seen (either side) must carry.
  std::uint8_t next_sequence_id() const { return static_cast<std::uint8_t>(last_sequence_ + 1); }
  std::uint64_t bytes_consumed() const { return bytes_; }

 private:
  enum class Phase {
    ResultFirst,
    ColumnDefs,
    ColumnsEof,
    Rows,
    PrepareFirst,
    PrepareParams,
    PrepareParamsEof,
    PrepareColumns,
    PrepareColumnsEof,
    FieldList,
    Single,
    Auth,
    ClientInfile,
    ClientAuth,
    Done,
  };

  // Classifies one logical packet from its first bytes; sets the phase that follows it.
  void on_packet(ByteView head, std::uint32_t first_chunk_length);
  // `final_count`: the terminator carries the statement's final warning count (not so the
  // EOF after column definitions, which repeats the count so far).
  void on_terminator(ByteView head, bool more_results_allowed, bool final_count = true);
  void on_error_packet(ByteView head);
  void after_prepare_params();
  void finish_logical_packet();

  static constexpr std::size_t kHeadMax = 32;  // enough for any OK/EOF status or prepare OK

  std::uint64_t capabilities_;
  State state_ = State::ExpectServer;
  Phase phase_;
  ResponseShape shape_;

  // Framing of the current physical packet.
  std::array<std::uint8_t, 4> header_{};
  std::size_t header_have_ = 0;
  bool in_packet_ = false;
  std::uint32_t remaining_ = 0;
  bool continuation_ = false;  // the current chunk continues a logical packet
  bool next_is_continuation_ = false;
  std::array<std::uint8_t, kHeadMax> head_{};
  std::size_t head_have_ = 0;
  std::size_t head_want_ = 0;
  std::uint32_t first_chunk_length_ = 0;
  bool dispatched_ = false;

  // What the response said.
  std::uint64_t columns_left_ = 0;
  std::uint32_t params_left_ = 0;
  std::uint32_t prepare_columns_left_ = 0;
  bool error_ = false;
  std::uint16_t error_code_ = 0;
  bool has_status_ = false;
  std::uint16_t status_ = 0;
  std::uint16_t warnings_ = 0;
  std::uint64_t rows_ = 0;
  std::uint32_t result_sets_ = 0;
  bool local_infile_ = false;
  std::optional<PrepareOk> prepare_ok_;
  std::uint8_t last_sequence_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace sqlcache::wire
