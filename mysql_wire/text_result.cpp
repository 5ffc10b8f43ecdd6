#include "mysql_wire/text_result.hpp"

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/packet.hpp"

namespace sqlcache::wire {

namespace {

// The packets of `response` in order; nullopt when it does not split into whole packets.
std::optional<std::vector<LogicalPacket>> split_packets(ByteView response) {
  std::vector<LogicalPacket> packets;
  while (!response.empty()) {
    LogicalPacket packet;
    if (extract_packet(response, response.size(), packet) != FrameError::None) return std::nullopt;
    response = response.subspan(packet.wire_size);
    packets.push_back(std::move(packet));
  }
  return packets;
}

}  // namespace

std::optional<TextResult> parse_text_result(ByteView response, std::uint64_t capabilities) {
  auto packets = split_packets(response);
  if (!packets || packets->empty()) return std::nullopt;
  TextResult result;
  const Bytes& first = packets->front().payload;
  if (!first.empty() && first[0] == kErrHeader) {
    auto err = parse_err(first);
    if (!err || packets->size() != 1) return std::nullopt;
    result.error_code = err->error_code;
    result.error_sql_state.assign(err->sql_state);
    result.error_message.assign(err->message);
    return result;
  }
  if (!first.empty() && first[0] == kOkHeader) {
    // A statement without a result set.
    if (packets->size() != 1 || !parse_ok(first, capabilities)) return std::nullopt;
    return result;
  }
  ByteReader count_reader(first);
  result.columns = count_reader.lenenc();
  if (!count_reader.ok() || !count_reader.at_end() || result.columns == 0) return std::nullopt;
  std::size_t next = 1 + result.columns;  // column definitions are skipped
  if (!(capabilities & cap::kDeprecateEof)) {
    if (next >= packets->size() || !parse_eof((*packets)[next].payload)) return std::nullopt;
    ++next;
  }
  for (; next < packets->size(); ++next) {
    const Bytes& payload = (*packets)[next].payload;
    if (payload.empty()) return std::nullopt;
    if (is_result_terminator(payload[0], static_cast<std::uint32_t>(payload.size()),
                             capabilities)) {
      // The terminator must be the last packet, and must not announce more results.
      auto status = terminator_status(payload, capabilities);
      if (!status || next + 1 != packets->size()) return std::nullopt;
      if (*status & status::kMoreResultsExist) return std::nullopt;
      return result;
    }
    if (payload[0] == kErrHeader) {
      // An error in the middle of the rows (a killed query): no partial result.
      auto err = parse_err(payload);
      if (!err || next + 1 != packets->size()) return std::nullopt;
      result.rows.clear();
      result.error_code = err->error_code;
      result.error_sql_state.assign(err->sql_state);
      result.error_message.assign(err->message);
      return result;
    }
    ByteReader reader(payload);
    std::vector<std::optional<std::string>> row;
    row.reserve(result.columns);
    for (std::size_t column = 0; column < result.columns; ++column) {
      if (reader.next_is_null()) {
        reader.skip(1);
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(reader.lenenc_string()));
      }
    }
    if (!reader.ok() || !reader.at_end()) return std::nullopt;
    result.rows.push_back(std::move(row));
  }
  return std::nullopt;  // no terminator
}

}  // namespace sqlcache::wire
