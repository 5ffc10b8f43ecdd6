// OK, ERR and EOF packets: the server's real bytes and synthetic layouts, both directions.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

constexpr std::uint64_t kClassic41 = cap::kProtocol41 | cap::kTransactions;
constexpr std::uint64_t kTracked = kClassic41 | cap::kSessionTrack | cap::kDeprecateEof;

// The last logical packet the server sent in a capture.
Bytes last_payload(const std::string& name) {
  auto payloads = load_capture(name).server_payloads();
  return payloads.empty() ? Bytes{} : payloads.back();
}

TEST(WireOkPacket, CapturedInsertOkCarriesAffectedRowsInsertIdAndInfo) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_insert.") + variant);
    const Bytes payload = last_payload(capture.name);
    auto ok = parse_ok(payload, capture.capabilities());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->header, kOkHeader);
    EXPECT_EQ(ok->affected_rows, 3u);
    EXPECT_EQ(ok->last_insert_id, 1u);
    EXPECT_TRUE(ok->status_flags & status::kAutocommit);
    EXPECT_EQ(ok->warnings, 0);
    EXPECT_EQ(ok->info, "Records: 3  Duplicates: 0  Warnings: 0");
  }
}

TEST(WireOkPacket, CapturedInsertIgnoreOkCountsItsWarning) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_insert_warning.") + variant);
    const Bytes payload = last_payload(capture.name);  // the parse views into it
    auto ok = parse_ok(payload, capture.capabilities());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->affected_rows, 2u);
    EXPECT_EQ(ok->warnings, 1);
    EXPECT_EQ(ok->info, "Records: 2  Duplicates: 0  Warnings: 1");
  }
}

TEST(WireOkPacket, CapturedInitDbWithSessionTrackCarriesTheNewSchema) {
  auto capture = load_capture("init_db.deprecate_eof");
  const Bytes payload = last_payload(capture.name);  // the parse views into it
  auto ok = parse_ok(payload, capture.capabilities());
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->status_flags & status::kSessionStateChanged);
  EXPECT_TRUE(ok->info.empty());
  // SESSION_TRACK_SCHEMA (1), entry length, then the schema as a length-encoded string.
  ByteReader r(as_bytes(ok->session_state));
  EXPECT_EQ(r.u8(), 1);
  const std::uint64_t entry_length = r.lenenc();
  EXPECT_EQ(entry_length, r.remaining());
  EXPECT_EQ(r.lenenc_string(), "tutorial");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(WireOkPacket, CapturedInitDbWithoutSessionTrackHasNoState) {
  auto capture = load_capture("init_db.classic");
  const Bytes payload = last_payload(capture.name);  // the parse views into it
  auto ok = parse_ok(payload, capture.capabilities());
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->status_flags & status::kSessionStateChanged);
  EXPECT_TRUE(ok->session_state.empty());
}

TEST(WireOkPacket, CapturedSetTimeZoneTracksTheSystemVariable) {
  auto capture = load_capture("query_set_time_zone.deprecate_eof");
  const Bytes payload = last_payload(capture.name);  // the parse views into it
  auto ok = parse_ok(payload, capture.capabilities());
  ASSERT_TRUE(ok);
  ByteReader r(as_bytes(ok->session_state));
  EXPECT_EQ(r.u8(), 0);  // SESSION_TRACK_SYSTEM_VARIABLES
  r.lenenc();
  EXPECT_EQ(r.lenenc_string(), "time_zone");
  EXPECT_EQ(r.lenenc_string(), "+01:00");
  EXPECT_TRUE(r.ok());
}

TEST(WireOkPacket, CapturedResultSetEndIsAnOkWithEofHeaderUnderDeprecateEof) {
  auto capture = load_capture("query_select_planet.deprecate_eof");
  const Bytes end = last_payload(capture.name);
  auto ok = parse_ok(end, capture.capabilities());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->header, kEofHeader);
  EXPECT_EQ(ok->affected_rows, 0u);
  EXPECT_TRUE(ok->status_flags & status::kAutocommit);
}

// encode(parse(x)) == x for every OK, ERR and EOF that ends a captured response.
TEST(WireGenericPackets, EveryCapturedFinalPacketRoundTrips) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SQLCACHE_TEST_DATA_DIR "/wire")) {
    std::string name = entry.path().stem().string();
    auto capture = load_capture(name);
    auto payloads = capture.server_payloads();
    if (payloads.empty() || payloads.back().empty() || name.rfind("greeting", 0) == 0) continue;
    const Bytes& last = payloads.back();
    const std::uint64_t caps = capture.capabilities();
    SCOPED_TRACE(name);
    if (last[0] == kErrHeader) {
      auto err = parse_err(last);
      ASSERT_TRUE(err);
      EXPECT_EQ(encode_err(err->error_code, err->sql_state, err->message), last);
    } else if (last[0] == kOkHeader || (last[0] == kEofHeader && (caps & cap::kDeprecateEof))) {
      auto ok = parse_ok(last, caps);
      ASSERT_TRUE(ok);
      EXPECT_EQ(encode_ok(*ok, caps), last);
    } else if (last[0] == kEofHeader) {
      auto eof = parse_eof(last);
      ASSERT_TRUE(eof);
      EXPECT_EQ(encode_eof(*eof), last);
    } else {
      continue;  // a column definition (prepare) or a string (statistics)
    }
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(WireErrPacket, CapturedUnknownTableError) {
  const Bytes payload = last_payload("query_unknown_table.classic");
  auto err = parse_err(payload);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error_code, 1146);  // ER_NO_SUCH_TABLE
  EXPECT_EQ(err->sql_state, "42S02");
  EXPECT_EQ(err->message, "Table 'tutorial.no_such_table' doesn't exist");
}

TEST(WireErrPacket, CapturedAccessDenied) {
  const Bytes payload = last_payload("auth_wrong_password.classic");
  auto err = parse_err(payload);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error_code, 1045);  // ER_ACCESS_DENIED_ERROR
  EXPECT_EQ(err->sql_state, "28000");
}

TEST(WireErrPacket, WithoutSqlStateMarkerTheRestIsTheMessage) {
  // Servers send this before capabilities are agreed (e.g. "Too many connections").
  Bytes payload{0xFF, 0x10, 0x04};
  for (char c : std::string_view("Too many connections")) payload.push_back(c);
  auto err = parse_err(payload);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error_code, 1040);
  EXPECT_TRUE(err->sql_state.empty());
  EXPECT_EQ(err->message, "Too many connections");
  EXPECT_EQ(encode_err(err->error_code, err->sql_state, err->message), payload);
}

TEST(WireErrPacket, RejectsOtherHeadersAndTruncation) {
  EXPECT_FALSE(parse_err(Bytes{0x00, 0x10, 0x04}));
  EXPECT_FALSE(parse_err(Bytes{0xFF, 0x10}));
  EXPECT_FALSE(parse_err(Bytes{0xFF, 0x10, 0x04, '#', '4', '2'}));  // sql state cut short
  EXPECT_FALSE(parse_err(ByteView{}));
}

TEST(WireErrPacket, EncodeWritesMarkerStateAndMessage) {
  const Bytes payload = encode_err(1064, "42000", "syntax");
  EXPECT_EQ(payload,
            (Bytes{0xFF, 0x28, 0x04, '#', '4', '2', '0', '0', '0', 's', 'y', 'n', 't', 'a', 'x'}));
}

TEST(WireEofPacket, ParsesWarningsAndStatus) {
  auto eof = parse_eof(Bytes{0xFE, 0x05, 0x00, 0x02, 0x00});
  ASSERT_TRUE(eof);
  EXPECT_EQ(eof->warnings, 5);
  EXPECT_EQ(eof->status_flags, status::kAutocommit);
}

TEST(WireEofPacket, CapturedCursorFetchEndsWithLastRowSent) {
  auto eof = parse_eof(last_payload("stmt_fetch_last.classic"));
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->status_flags & status::kLastRowSent);
  EXPECT_FALSE(eof->status_flags & status::kCursorExists);
}

TEST(WireEofPacket, PreProtocol41EofIsOneByte) {
  auto eof = parse_eof(Bytes{0xFE});
  ASSERT_TRUE(eof);
  EXPECT_EQ(eof->status_flags, 0);
}

TEST(WireEofPacket, NineBytesOrMoreIsNotAnEof) {
  EXPECT_FALSE(parse_eof(Bytes{0xFE, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(parse_eof(Bytes{0x00, 0, 0, 2, 0}));
  EXPECT_FALSE(parse_eof(Bytes{0xFE, 0, 0, 2}));  // status cut short
}

struct OkLayout {
  const char* name;
  std::uint64_t capabilities;
};

class WireOkLayout : public ::testing::TestWithParam<OkLayout> {};

TEST_P(WireOkLayout, RoundTripsEveryField) {
  const std::uint64_t caps = GetParam().capabilities;
  OkPacket ok;
  ok.affected_rows = 70000;
  ok.last_insert_id = 251;
  ok.status_flags = status::kAutocommit | status::kInTrans;
  ok.warnings = (caps & cap::kProtocol41) ? 3 : 0;
  ok.info = "Rows matched: 1  Changed: 1  Warnings: 0";
  const Bytes bytes = encode_ok(ok, caps);
  auto parsed = parse_ok(bytes, caps);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->affected_rows, ok.affected_rows);
  EXPECT_EQ(parsed->last_insert_id, ok.last_insert_id);
  EXPECT_EQ(parsed->status_flags,
            (caps & (cap::kProtocol41 | cap::kTransactions)) ? ok.status_flags : 0);
  EXPECT_EQ(parsed->warnings, ok.warnings);
  EXPECT_EQ(parsed->info, ok.info);
  EXPECT_EQ(encode_ok(*parsed, caps), bytes);
}

TEST_P(WireOkLayout, StatusReadsTheFlagsWithoutParsingTheRest) {
  const std::uint64_t caps = GetParam().capabilities;
  OkPacket ok;
  ok.status_flags = status::kMoreResultsExist | status::kAutocommit;
  auto flags = ok_status(encode_ok(ok, caps), caps);
  ASSERT_TRUE(flags);
  EXPECT_EQ(*flags, (caps & (cap::kProtocol41 | cap::kTransactions)) ? ok.status_flags : 0);
}

TEST_P(WireOkLayout, EveryTruncationBeforeTheFlagsIsRejected) {
  const std::uint64_t caps = GetParam().capabilities;
  OkPacket ok;
  ok.affected_rows = 1;
  ok.status_flags = status::kAutocommit;
  const Bytes bytes = encode_ok(ok, caps);
  const std::size_t fixed = 3 + ((caps & cap::kProtocol41)     ? 4
                                 : (caps & cap::kTransactions) ? 2
                                                               : 0);
  for (std::size_t cut = 0; cut < fixed; ++cut) {
    EXPECT_FALSE(parse_ok(ByteView(bytes).first(cut), caps)) << "cut at " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Capabilities, WireOkLayout,
    ::testing::Values(OkLayout{"Protocol41", kClassic41},
                      OkLayout{"Protocol41SessionTrack", kClassic41 | cap::kSessionTrack},
                      OkLayout{"TransactionsOnly", cap::kTransactions}, OkLayout{"Pre41", 0}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WireOkPacket, SessionTrackWithoutInfoOmitsTheInfoString) {
  OkPacket ok;
  ok.status_flags = status::kAutocommit;
  const Bytes bytes = encode_ok(ok, kTracked);
  EXPECT_EQ(bytes, (Bytes{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}));
  auto parsed = parse_ok(bytes, kTracked);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->info.empty());
}

TEST(WireOkPacket, SessionStateRoundTripsWithEmptyInfo) {
  const std::string state("\x01\x09\x08tutorial", 11);
  OkPacket ok;
  ok.status_flags = status::kAutocommit | status::kSessionStateChanged;
  ok.session_state = state;
  const Bytes bytes = encode_ok(ok, kTracked);
  auto parsed = parse_ok(bytes, kTracked);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->session_state, state);
  EXPECT_EQ(encode_ok(*parsed, kTracked), bytes);
}

TEST(WireOkPacket, SessionStateIsIgnoredWithoutItsStatusFlag) {
  OkPacket ok;
  ok.info = "x";
  ok.session_state = "ignored";
  auto parsed = parse_ok(encode_ok(ok, kTracked), kTracked);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->session_state.empty());
}

TEST(WireOkPacket, InfoLongerThanThePacketIsRejected) {
  const Bytes bytes{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 'a', 'b'};
  EXPECT_FALSE(parse_ok(bytes, kTracked));
  EXPECT_FALSE(parse_ok(bytes, kClassic41));
}

// Bug: without CLIENT_SESSION_TRACK the info was read as string<EOF>, as the protocol pages
// say, so the info of MariaDB's INSERT OK started with its own length byte ("&Records: 3...").
// Servers write it length-encoded either way (net_send_ok stores it with net_store_data), and
// Connector/C reads it so.
TEST(WireOkPacket, InfoIsLengthEncodedWithoutSessionTrackToo) {
  OkPacket ok;
  ok.status_flags = status::kAutocommit;
  ok.info = "abc";
  const Bytes bytes = encode_ok(ok, kClassic41);
  EXPECT_EQ(bytes, (Bytes{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'}));
  auto parsed = parse_ok(bytes, kClassic41);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->info, "abc");
}

TEST(WireOkPacket, OtherHeadersAreNotOk) {
  EXPECT_FALSE(parse_ok(Bytes{0xFF, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}, kClassic41));
  EXPECT_FALSE(parse_ok(Bytes{0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}, kClassic41));
}

TEST(WireOkPacket, LargeCountsUseWideLengthEncodings) {
  OkPacket ok;
  ok.affected_rows = 0x1000000;
  ok.last_insert_id = std::numeric_limits<std::uint64_t>::max();
  const Bytes bytes = encode_ok(ok, kClassic41);
  EXPECT_EQ(bytes.size(), 1u + 9 + 9 + 4);
  auto parsed = parse_ok(bytes, kClassic41);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->affected_rows, ok.affected_rows);
  EXPECT_EQ(parsed->last_insert_id, ok.last_insert_id);
}

TEST(WireResultTerminator, ClassicEofIsUnderNineBytes) {
  EXPECT_TRUE(is_result_terminator(0xFE, 5, kClassic41));
  EXPECT_TRUE(is_result_terminator(0xFE, 1, kClassic41));
  EXPECT_FALSE(is_result_terminator(0xFE, 9, kClassic41));
  EXPECT_FALSE(is_result_terminator(0x00, 5, kClassic41));
}

TEST(WireResultTerminator, DeprecateEofOkIsAnything0xFEShorterThanAFullChunk) {
  EXPECT_TRUE(is_result_terminator(0xFE, 7, kTracked));
  EXPECT_TRUE(is_result_terminator(0xFE, 200, kTracked));         // with long session state
  EXPECT_FALSE(is_result_terminator(0xFE, kMaxChunk, kTracked));  // a 16 MiB text row
  EXPECT_FALSE(is_result_terminator(0x00, 7, kTracked));
}

TEST(WireResultTerminator, StatusComesFromTheLayoutTheCapabilitiesSay) {
  auto classic = terminator_status(last_payload("stmt_fetch_rows.classic"), kClassic41);
  ASSERT_TRUE(classic);
  EXPECT_TRUE(*classic & status::kCursorExists);
  auto tracked = terminator_status(last_payload("stmt_fetch_rows.deprecate_eof"), kTracked);
  ASSERT_TRUE(tracked);
  EXPECT_EQ(*tracked, *classic);
}

}  // namespace
}  // namespace sqlcache::wire
