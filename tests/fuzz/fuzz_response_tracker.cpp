// ResponseTracker on any server byte stream, in any chunking, with client packets whenever it
// waits for the client. Input: [shape] [capabilities] [choice seed] [stream...]
#include <algorithm>

#include "fuzz_input.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/packet.hpp"
#include "mysql_wire/response_tracker.hpp"

using namespace sqlcache::wire;
using State = ResponseTracker::State;

namespace {

constexpr ResponseShape kShapes[] = {
    ResponseShape::None,    ResponseShape::SinglePacket, ResponseShape::ResultSets,
    ResponseShape::Prepare, ResponseShape::FieldList,    ResponseShape::Fetch,
    ResponseShape::Auth,    ResponseShape::Unsupported,
};

std::uint64_t capabilities_from(std::uint8_t selector) {
  std::uint64_t caps = cap::kProtocol41 | cap::kTransactions | cap::kSecureConnection |
                       cap::kPluginAuth | cap::kMultiResults | cap::kLocalFiles;
  if (selector & 1) caps |= cap::kDeprecateEof;
  if (selector & 2) caps |= cap::kSessionTrack;
  if (selector & 4) caps &= ~cap::kProtocol41;
  return caps;
}

// The tracker stops only where a logical packet ends: walking the headers from `from` must
// land exactly on `to`, after a chunk shorter than 0xFFFFFF.
void check_packet_boundary(ByteView stream, std::size_t from, std::size_t to) {
  std::size_t pos = from;
  std::uint32_t last_length = 0;
  while (pos < to) {
    auto header = parse_header(stream.subspan(pos));
    FUZZ_CHECK(header.has_value());
    last_length = header->length;
    pos += kHeaderSize + header->length;
  }
  FUZZ_CHECK(pos == to);
  FUZZ_CHECK(from == to || last_length < kMaxChunk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const ResponseShape shape = kShapes[in.byte() % std::size(kShapes)];
  const std::uint64_t caps = capabilities_from(in.byte());
  sqlcache::fuzz::Choices choices(in.byte());
  const ByteView stream = in.rest();

  ResponseTracker tracker(shape, caps);
  std::size_t pos = 0;
  std::size_t segment_start = 0;  // where the server's bytes since the last client packet begin
  for (int round = 0; round < 10000; ++round) {
    const State before = tracker.state();
    if (before == State::ExpectClient) {
      // LOCAL INFILE data, then (sooner or later) the empty packet; or auth data.
      check_packet_boundary(stream, segment_start, pos);
      const Bytes payload(choices.next() % 3 == 0 ? 1 : 0, 0x42);
      tracker.on_client_packet(payload, tracker.next_sequence_id());
      FUZZ_CHECK(tracker.state() == State::ExpectClient || tracker.state() == State::ExpectServer);
      segment_start = pos;
      continue;
    }
    if (before != State::ExpectServer || pos == stream.size()) break;
    const std::size_t left = stream.size() - pos;
    const std::size_t n = std::min<std::size_t>(left, 1 + choices.next() % 64);
    const std::size_t consumed = tracker.feed(stream.subspan(pos, n));
    FUZZ_CHECK(consumed <= n);
    if (consumed < n) FUZZ_CHECK(tracker.state() != State::ExpectServer);
    pos += consumed;
    FUZZ_CHECK(tracker.bytes_consumed() == pos);
    if (tracker.state() == State::Complete) check_packet_boundary(stream, segment_start, pos);
  }
  // Once it stopped, it takes nothing more.
  if (tracker.state() == State::Complete || tracker.state() == State::ProtocolError) {
    FUZZ_CHECK(tracker.feed(stream.subspan(pos)) == 0);
  }
  FUZZ_CHECK(tracker.rows() <= stream.size() / kHeaderSize);
  return 0;
}
