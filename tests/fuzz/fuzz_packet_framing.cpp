// extract_packet and frame_payload: any bytes, any payload limit.
// Input: [limit selector] [stream...]
#include <algorithm>

#include "fuzz_input.hpp"
#include "mysql_wire/packet.hpp"

using namespace sqlcache::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  // Small limits let the fuzzer reach TooLarge without 16 MiB inputs.
  const std::size_t limits[] = {0, 1, 16, 255, 4096, SIZE_MAX};
  const std::size_t max_payload = limits[in.byte() % std::size(limits)];
  const ByteView input = in.rest();

  ByteView stream = input;
  LogicalPacket packet;
  while (!stream.empty()) {
    const FrameError error = extract_packet(stream, max_payload, packet);
    if (error != FrameError::None) break;
    FUZZ_CHECK(packet.wire_size >= kHeaderSize + packet.payload.size());
    FUZZ_CHECK(packet.wire_size <= stream.size());
    FUZZ_CHECK(packet.payload.size() <= max_payload);
    // Framing is canonical: framing the payload again from its first sequence id gives back
    // exactly the bytes it was extracted from.
    const Bytes again = framed(packet.payload, packet.first_sequence_id);
    FUZZ_CHECK(again.size() == packet.wire_size);
    FUZZ_CHECK(std::equal(again.begin(), again.end(), stream.begin()));
    FUZZ_CHECK(
        static_cast<std::uint8_t>(packet.first_sequence_id + packet.payload.size() / kMaxChunk) ==
        packet.last_sequence_id);
    // Any shorter prefix is incomplete, never another packet.
    LogicalPacket shorter;
    FUZZ_CHECK(extract_packet(stream.first(packet.wire_size - 1), max_payload, shorter) ==
               FrameError::Incomplete);
    stream = stream.subspan(packet.wire_size);
  }

  // Split and join the input as a payload.
  const std::uint8_t sequence_id = input.empty() ? 0 : input[0];
  Bytes out;
  const std::uint8_t next = frame_payload(out, input, sequence_id);
  FUZZ_CHECK(next == static_cast<std::uint8_t>(sequence_id + 1 + input.size() / kMaxChunk));
  FUZZ_CHECK(extract_packet(out, SIZE_MAX, packet) == FrameError::None);
  FUZZ_CHECK(packet.wire_size == out.size());
  FUZZ_CHECK(std::equal(packet.payload.begin(), packet.payload.end(), input.begin(), input.end()));
  return 0;
}
