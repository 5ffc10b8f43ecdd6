#include "mysql_wire/response_tracker.hpp"

#include <algorithm>
#include <cstring>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/handshake.hpp"
#include "mysql_wire/packet.hpp"

namespace sqlcache::wire {

namespace {

ResponseTracker::State initial_state(ResponseShape shape) {
  switch (shape) {
    case ResponseShape::None:
      return ResponseTracker::State::Complete;
    case ResponseShape::Unsupported:
      return ResponseTracker::State::ProtocolError;
    default:
      return ResponseTracker::State::ExpectServer;
  }
}

}  // namespace

ResponseTracker::ResponseTracker(ResponseShape shape, std::uint64_t capabilities)
    : capabilities_(capabilities), state_(initial_state(shape)), shape_(shape) {
  switch (shape) {
    case ResponseShape::ResultSets:
      phase_ = Phase::ResultFirst;
      break;
    case ResponseShape::Prepare:
      phase_ = Phase::PrepareFirst;
      break;
    case ResponseShape::FieldList:
      phase_ = Phase::FieldList;
      break;
    case ResponseShape::Fetch:
      phase_ = Phase::Rows;
      break;
    case ResponseShape::SinglePacket:
      phase_ = Phase::Single;
      break;
    case ResponseShape::Auth:
      phase_ = Phase::Auth;
      break;
    case ResponseShape::None:
    case ResponseShape::Unsupported:
      phase_ = Phase::Done;
      break;
  }
}

std::size_t ResponseTracker::feed(ByteView data) {
  std::size_t pos = 0;
  while (pos < data.size() && state_ == State::ExpectServer) {
    if (!in_packet_) {
      std::size_t take = std::min(data.size() - pos, header_.size() - header_have_);
      std::memcpy(header_.data() + header_have_, data.data() + pos, take);
      header_have_ += take;
      pos += take;
      if (header_have_ < header_.size()) break;
      auto header = parse_header(header_);
      last_sequence_ = header->sequence_id;
      remaining_ = header->length;
      in_packet_ = true;
      next_is_continuation_ = header->length == kMaxChunk;
      if (!continuation_) {
        first_chunk_length_ = header->length;
        head_have_ = 0;
        head_want_ = std::min<std::size_t>(header->length, kHeadMax);
        dispatched_ = false;
      }
    }
    if (!continuation_ && !dispatched_) {
      std::size_t take = std::min(data.size() - pos, head_want_ - head_have_);
      std::memcpy(head_.data() + head_have_, data.data() + pos, take);
      head_have_ += take;
      remaining_ -= static_cast<std::uint32_t>(take);
      pos += take;
      if (head_have_ < head_want_) break;
      dispatched_ = true;
      on_packet(ByteView(head_.data(), head_have_), first_chunk_length_);
      if (state_ == State::ProtocolError) break;
    }
    std::size_t skip = std::min<std::size_t>(data.size() - pos, remaining_);
    remaining_ -= static_cast<std::uint32_t>(skip);
    pos += skip;
    if (remaining_ == 0) {
      in_packet_ = false;
      header_have_ = 0;
      continuation_ = next_is_continuation_;
      if (!continuation_) finish_logical_packet();
    }
  }
  bytes_ += pos;
  return pos;
}

void ResponseTracker::finish_logical_packet() {
  if (phase_ == Phase::Done) {
    state_ = State::Complete;
  } else if (phase_ == Phase::ClientInfile || phase_ == Phase::ClientAuth) {
    state_ = State::ExpectClient;
  }
}

void ResponseTracker::on_client_packet(ByteView payload, std::uint8_t last_sequence_id) {
  if (state_ != State::ExpectClient) {
    state_ = State::ProtocolError;
    return;
  }
  last_sequence_ = last_sequence_id;
  if (phase_ == Phase::ClientInfile) {
    // The file's content comes in packets; an empty packet ends it, then the server answers
    // with OK or ERR (and possibly more results of a multi-statement).
    if (payload.empty()) {
      phase_ = Phase::ResultFirst;
      state_ = State::ExpectServer;
    }
  } else {
    phase_ = Phase::Auth;
    state_ = State::ExpectServer;
  }
}

void ResponseTracker::on_error_packet(ByteView head) {
  error_ = true;
  if (head.size() >= 3) error_code_ = static_cast<std::uint16_t>(head[1] | (head[2] << 8));
  phase_ = Phase::Done;
}

void ResponseTracker::on_terminator(ByteView head, bool more_results_allowed, bool final_count) {
  auto flags = terminator_status(head, capabilities_);
  if (!flags) {
    state_ = State::ProtocolError;
    return;
  }
  has_status_ = true;
  status_ = *flags;
  if (final_count) {
    if (auto warnings = terminator_warnings(head, capabilities_)) warnings_ += *warnings;
  }
  phase_ = (more_results_allowed && (status_ & status::kMoreResultsExist)) ? Phase::ResultFirst
                                                                           : Phase::Done;
}

void ResponseTracker::after_prepare_params() {
  phase_ = prepare_columns_left_ > 0 ? Phase::PrepareColumns : Phase::Done;
}

void ResponseTracker::on_packet(ByteView head, std::uint32_t first_chunk_length) {
  const std::uint8_t first = head.empty() ? 0 : head[0];
  const bool deprecate_eof = capabilities_ & cap::kDeprecateEof;
  const bool terminator =
      !head.empty() && is_result_terminator(first, first_chunk_length, capabilities_);
  switch (phase_) {
    case Phase::ResultFirst:
      if (head.empty()) {
        state_ = State::ProtocolError;
      } else if (first == kOkHeader) {
        auto flags = ok_status(head, capabilities_);
        if (!flags) {
          state_ = State::ProtocolError;
          return;
        }
        has_status_ = true;
        status_ = *flags;
        if (auto warnings = ok_warnings(head, capabilities_)) warnings_ += *warnings;
        phase_ = (status_ & status::kMoreResultsExist) ? Phase::ResultFirst : Phase::Done;
      } else if (first == kErrHeader) {
        on_error_packet(head);
      } else if (first == kLocalInfileHeader) {
        local_infile_ = true;
        phase_ = Phase::ClientInfile;
      } else {
        ByteReader r(head);
        columns_left_ = r.lenenc();
        if (!r.ok() || columns_left_ == 0) {
          state_ = State::ProtocolError;
          return;
        }
        ++result_sets_;
        phase_ = Phase::ColumnDefs;
      }
      return;
    case Phase::ColumnDefs:
      if (first == kErrHeader) return on_error_packet(head);
      if (--columns_left_ == 0) phase_ = deprecate_eof ? Phase::Rows : Phase::ColumnsEof;
      return;
    case Phase::ColumnsEof:
      if (first == kErrHeader) return on_error_packet(head);
      if (!terminator) {
        state_ = State::ProtocolError;
        return;
      }
      // This EOF repeats the warnings raised so far (while optimising, say); the EOF after the
      // rows carries the statement's final count, which includes them.
      on_terminator(head, true, /*final_count=*/false);
      // An execute that opened a cursor sends only the metadata; rows come with COM_STMT_FETCH.
      if (state_ != State::ProtocolError) {
        const bool cursor = status_ & status::kCursorExists;
        if (cursor) {
          if (auto warnings = terminator_warnings(head, capabilities_)) warnings_ += *warnings;
        }
        phase_ = cursor ? Phase::Done : Phase::Rows;
      }
      return;
    case Phase::Rows:
      if (first == kErrHeader) return on_error_packet(head);
      if (terminator) return on_terminator(head, shape_ == ResponseShape::ResultSets);
      ++rows_;
      return;
    case Phase::PrepareFirst: {
      if (first == kErrHeader) return on_error_packet(head);
      prepare_ok_ = parse_prepare_ok(head);
      if (!prepare_ok_) {
        state_ = State::ProtocolError;
        return;
      }
      warnings_ = prepare_ok_->warnings;
      params_left_ = prepare_ok_->num_params;
      prepare_columns_left_ = prepare_ok_->num_columns;
      if (params_left_ > 0) {
        phase_ = Phase::PrepareParams;
      } else {
        after_prepare_params();
      }
      return;
    }
    case Phase::PrepareParams:
      if (--params_left_ == 0) {
        if (deprecate_eof) {
          after_prepare_params();
        } else {
          phase_ = Phase::PrepareParamsEof;
        }
      }
      return;
    case Phase::PrepareParamsEof:
      if (!terminator) {
        state_ = State::ProtocolError;
        return;
      }
      after_prepare_params();
      return;
    case Phase::PrepareColumns:
      if (--prepare_columns_left_ == 0)
        phase_ = deprecate_eof ? Phase::Done : Phase::PrepareColumnsEof;
      return;
    case Phase::PrepareColumnsEof:
      if (!terminator) {
        state_ = State::ProtocolError;
        return;
      }
      phase_ = Phase::Done;
      return;
    case Phase::FieldList:
      if (first == kErrHeader) return on_error_packet(head);
      if (terminator) return on_terminator(head, false);
      return;
    case Phase::Single:
      if (first == kErrHeader) return on_error_packet(head);
      if (first == kOkHeader || first == kEofHeader) {
        if (auto flags = first == kOkHeader ? ok_status(head, capabilities_)
                                            : terminator_status(head, capabilities_)) {
          has_status_ = true;
          status_ = *flags;
        }
      }
      phase_ = Phase::Done;
      return;
    case Phase::Auth:
      if (head.empty()) {
        state_ = State::ProtocolError;
      } else if (first == kOkHeader) {
        if (auto flags = ok_status(head, capabilities_)) {
          has_status_ = true;
          status_ = *flags;
        }
        phase_ = Phase::Done;
      } else if (first == kErrHeader) {
        on_error_packet(head);
      } else if (first == kAuthSwitchHeader) {
        phase_ = Phase::ClientAuth;
      } else if (first == kAuthMoreDataHeader) {
        // caching_sha2_password's fast-auth success is followed by the server's OK; every
        // other "more data" (full-auth request, public key) waits for the client.
        bool fast_auth_ok =
            first_chunk_length == 2 && head.size() == 2 && head[1] == kCachingSha2FastAuthSuccess;
        phase_ = fast_auth_ok ? Phase::Auth : Phase::ClientAuth;
      } else {
        // Plugin data MariaDB sends unprefixed (it adds 0x01 only before data starting with
        // 0x01, 0xFE or 0xFF): a PAM question (0x02/0x04 + prompt), a GSSAPI token. The
        // client plugin answers it.
        phase_ = Phase::ClientAuth;
      }
      return;
    case Phase::ClientInfile:
    case Phase::ClientAuth:
    case Phase::Done:
      // The server sent more than the response holds.
      state_ = State::ProtocolError;
      return;
  }
}

}  // namespace sqlcache::wire
