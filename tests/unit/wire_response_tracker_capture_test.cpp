// ResponseTracker against every response a real MariaDB 10.11 sent (tests/data/wire): whole,
// one byte at a time, in random chunks, split in two at every offset, and followed by the next
// response. The tracker must consume exactly the response and say the right things about it.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/response_tracker.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using State = ResponseTracker::State;
using testing::Capture;
using testing::load_capture;

// What each captured response is known to hold, from the SQL that produced it.
struct Expected {
  const char* name;
  std::uint16_t error_code = 0;
  std::uint64_t rows = 0;
  std::uint32_t result_sets = 0;
  std::uint16_t status_set = 0;      // flags the last OK/EOF must carry
  std::uint16_t status_clear = 0;    // flags it must not carry
  std::uint16_t tracked_status = 0;  // set with CLIENT_SESSION_TRACK (deprecate_eof), clear without
  bool no_status = false;
  bool local_infile = false;
  int prepare_columns = -1;  // -1: not a prepare
  int prepare_params = -1;
};

constexpr std::uint16_t kAutocommit = status::kAutocommit;

const Expected kExpected[] = {
    {.name = "auth_ok", .status_set = kAutocommit, .tracked_status = status::kSessionStateChanged},
    {.name = "auth_switch",
     .status_set = kAutocommit,
     .tracked_status = status::kSessionStateChanged},
    {.name = "auth_wrong_password", .error_code = 1045},  // ER_ACCESS_DENIED_ERROR
    {.name = "change_user",
     .status_set = kAutocommit,
     .tracked_status = status::kSessionStateChanged},
    {.name = "field_list", .status_set = kAutocommit},
    {.name = "field_list_unknown", .error_code = 1146},  // ER_NO_SUCH_TABLE
    {.name = "init_db", .status_set = kAutocommit, .tracked_status = status::kSessionStateChanged},
    {.name = "init_db_unknown", .error_code = 1049},  // ER_BAD_DB_ERROR
    {.name = "ping", .status_set = kAutocommit},
    {.name = "query_begin", .status_set = status::kInTrans | kAutocommit},
    {.name = "query_call_two_results",
     .rows = 3,
     .result_sets = 2,
     .status_set = kAutocommit,
     .status_clear = status::kMoreResultsExist},
    {.name = "query_commit", .status_set = kAutocommit, .status_clear = status::kInTrans},
    {.name = "query_empty_result", .result_sets = 1, .status_set = kAutocommit},
    {.name = "query_error_after_metadata", .error_code = 1242, .result_sets = 1},
    {.name = "query_insert", .status_set = kAutocommit},
    {.name = "query_insert_warning", .status_set = kAutocommit},
    {.name = "query_large_row", .rows = 1, .result_sets = 1, .status_set = kAutocommit},
    {.name = "query_lenenc_lengths", .rows = 1, .result_sets = 1, .status_set = kAutocommit},
    {.name = "query_load_data_local", .status_set = kAutocommit, .local_infile = true},
    {.name = "query_multi_statement",
     .rows = 2,
     .result_sets = 2,
     .status_set = kAutocommit,
     .status_clear = status::kMoreResultsExist},
    {.name = "query_multi_statement_error", .error_code = 1146, .rows = 1, .result_sets = 1},
    {.name = "query_select_planet", .rows = 8, .result_sets = 1, .status_set = kAutocommit},
    {.name = "query_select_types", .rows = 1, .result_sets = 1, .status_set = kAutocommit},
    {.name = "query_set_time_zone",
     .status_set = kAutocommit,
     .tracked_status = status::kSessionStateChanged},
    {.name = "query_unknown_table", .error_code = 1146},
    {.name = "query_warning", .rows = 1, .result_sets = 1, .status_set = kAutocommit},
    // 1/0 is NULL, so the WHERE matches no row; the warnings come while optimising.
    {.name = "query_warning_before_metadata", .result_sets = 1, .status_set = kAutocommit},
    {.name = "reset_connection", .status_set = kAutocommit},
    {.name = "set_option", .status_set = kAutocommit},
    {.name = "statistics", .no_status = true},
    {.name = "stmt_close"},
    {.name = "stmt_execute_cursor",
     .result_sets = 1,
     .status_set = status::kCursorExists | kAutocommit},
    {.name = "stmt_execute_insert", .status_set = kAutocommit},
    {.name = "stmt_execute_null_param", .result_sets = 1, .status_set = kAutocommit},
    {.name = "stmt_execute_params", .rows = 5, .result_sets = 1, .status_set = kAutocommit},
    {.name = "stmt_execute_types", .rows = 1, .result_sets = 1, .status_set = kAutocommit},
    {.name = "stmt_execute_unknown", .error_code = 1243},  // ER_UNKNOWN_STMT_HANDLER
    {.name = "stmt_fetch_exhausted", .error_code = 1421},  // ER_STMT_HAS_NO_OPEN_CURSOR
    {.name = "stmt_fetch_last",
     .rows = 5,
     .status_set = status::kLastRowSent,
     .status_clear = status::kCursorExists},
    {.name = "stmt_fetch_rows",
     .rows = 3,
     .status_set = status::kCursorExists,
     .status_clear = status::kLastRowSent},
    {.name = "stmt_prepare_error", .error_code = 1146},
    {.name = "stmt_reset", .status_set = kAutocommit},
    {.name = "stmt_prepare_insert", .prepare_columns = 0, .prepare_params = 1},
    {.name = "stmt_prepare_no_params", .prepare_columns = 2, .prepare_params = 0},
    {.name = "stmt_prepare_params", .prepare_columns = 2, .prepare_params = 2},
    {.name = "stmt_prepare_types", .prepare_columns = 17, .prepare_params = 0},
};

ResponseShape shape_of(const Capture& c) {
  if (c.meta.at("command") == "handshake response") return ResponseShape::Auth;
  return response_shape(c.command().at(0));
}

// How a test cuts the server's bytes into the pieces it feeds.
struct Chunking {
  enum Kind { Whole, Bytewise, Random, SplitAt } kind = Whole;
  std::size_t max_chunk = 0;  // Random: sizes 1..max_chunk from a fixed seed
  std::uint32_t seed = 0;
  std::size_t offset = 0;  // SplitAt: two pieces, cut at this offset
};

class Chunker {
 public:
  explicit Chunker(const Chunking& c) : c_(c), rng_(c.seed) {}
  // The size of the next piece, starting at `pos` with `left` bytes to go.
  std::size_t next(std::size_t pos, std::size_t left) {
    switch (c_.kind) {
      case Chunking::Whole:
        return left;
      case Chunking::Bytewise:
        return 1;
      case Chunking::Random:
        return std::min(left, std::uniform_int_distribution<std::size_t>(1, c_.max_chunk)(rng_));
      case Chunking::SplitAt:
        return pos < c_.offset ? std::min(left, c_.offset - pos) : left;
    }
    return left;
  }

 private:
  Chunking c_;
  std::mt19937 rng_;
};

// Drives a tracker through a captured exchange. Every server segment must be consumed exactly:
// the state stays ExpectServer until its last byte, then turns ExpectClient (more segments
// follow) or Complete. `next_response` is appended to the last segment and must stay unread.
// Returns false (after recording failures) when a property does not hold.
bool drive(ResponseTracker& tracker, const std::vector<Capture::Segment>& segments,
           const Chunking& chunking, const Bytes& next_response = {}) {
  Chunker chunker(chunking);
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const bool last = s + 1 == segments.size();
    Bytes with_next;
    ByteView data = segments[s].server;
    const std::size_t boundary = data.size();
    if (last && !next_response.empty()) {
      with_next.assign(data.begin(), data.end());
      with_next.insert(with_next.end(), next_response.begin(), next_response.end());
      data = with_next;
    }
    const State end_state = last ? State::Complete : State::ExpectClient;
    std::size_t pos = 0;
    while (pos < data.size()) {
      const std::size_t n = chunker.next(pos, data.size() - pos);
      const std::size_t consumed = tracker.feed(data.subspan(pos, n));
      if (pos + n < boundary) {
        if (consumed != n || tracker.state() != State::ExpectServer) {
          ADD_FAILURE() << "segment " << s << ": chunk at " << pos << "+" << n << " consumed "
                        << consumed << ", state " << static_cast<int>(tracker.state())
                        << " before the segment's end at " << boundary;
          return false;
        }
      } else {
        if (consumed != boundary - pos || tracker.state() != end_state) {
          ADD_FAILURE() << "segment " << s << ": chunk at " << pos << "+" << n << " consumed "
                        << consumed << " (segment ends at " << boundary << "), state "
                        << static_cast<int>(tracker.state());
          return false;
        }
      }
      pos += consumed;
      if (pos == boundary) break;
    }
    if (pos != boundary) {
      ADD_FAILURE() << "segment " << s << " consumed " << pos << " of " << boundary;
      return false;
    }
    if (tracker.feed(data.subspan(pos)) != 0) {
      ADD_FAILURE() << "bytes after the segment were consumed";
      return false;
    }
    for (std::size_t i = 0; i < segments[s].client.size(); ++i) {
      LogicalPacket packet;
      if (extract_packet(segments[s].client[i], SIZE_MAX, packet) != FrameError::None) {
        ADD_FAILURE() << "captured client packet does not frame";
        return false;
      }
      tracker.on_client_packet(packet.payload, packet.last_sequence_id);
      const bool last_client = i + 1 == segments[s].client.size();
      const State want = last_client ? State::ExpectServer : State::ExpectClient;
      if (tracker.state() != want) {
        ADD_FAILURE() << "after client packet " << i << " of segment " << s << ": state "
                      << static_cast<int>(tracker.state());
        return false;
      }
    }
  }
  return true;
}

std::uint8_t last_server_sequence_id(const Capture& c) {
  std::uint8_t seq = 0;
  for (const auto& p : c.packets) {
    if (p.direction == 'S') seq = p.bytes[3];
  }
  return seq;
}

void check_facts(const ResponseTracker& tracker, const Capture& capture, const Expected& want,
                 bool tracked) {
  EXPECT_EQ(tracker.bytes_consumed(), capture.server_bytes().size());
  EXPECT_EQ(tracker.ended_in_error(), want.error_code != 0);
  EXPECT_EQ(tracker.error_code(), want.error_code);
  EXPECT_EQ(tracker.rows(), want.rows);
  EXPECT_EQ(tracker.result_sets(), want.result_sets);
  EXPECT_EQ(tracker.used_local_infile(), want.local_infile);
  if (want.status_set || want.status_clear || want.tracked_status) {
    EXPECT_TRUE(tracker.has_status());
    EXPECT_EQ(tracker.status_flags() & want.status_set, want.status_set);
    EXPECT_EQ(tracker.status_flags() & want.status_clear, 0);
    EXPECT_EQ(tracker.status_flags() & want.tracked_status, tracked ? want.tracked_status : 0);
  }
  if (want.no_status) {
    EXPECT_FALSE(tracker.has_status());
  }
  if (want.prepare_columns >= 0) {
    ASSERT_TRUE(tracker.prepare_ok());
    EXPECT_EQ(tracker.prepare_ok()->num_columns, want.prepare_columns);
    EXPECT_EQ(tracker.prepare_ok()->num_params, want.prepare_params);
  } else {
    EXPECT_FALSE(tracker.prepare_ok());
  }
  // The server's own count (SELECT @@warning_count right after the statement).
  auto recorded = capture.meta.find("warning_count");
  if (recorded != capture.meta.end()) {
    EXPECT_EQ(tracker.warnings(), std::stoul(recorded->second)) << "server's @@warning_count";
  }
  if (!capture.packets.empty() && capture.server_bytes().size() > 0) {
    EXPECT_EQ(tracker.next_sequence_id(),
              static_cast<std::uint8_t>(last_server_sequence_id(capture) + 1));
  }
}

struct Case {
  const Expected* expected;
  const char* variant;
  const char* chunking;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.expected->name) + "_" + info.param.variant + "_" +
         info.param.chunking;
}

Chunking chunking_named(std::string_view name) {
  if (name == "whole") return {};
  if (name == "bytewise") return {.kind = Chunking::Bytewise};
  if (name == "random") return {.kind = Chunking::Random, .max_chunk = 97, .seed = 20240229};
  return {.kind = Chunking::Random, .max_chunk = 1 << 20, .seed = 7};  // "random_large"
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& e : kExpected) {
    for (const char* variant : testing::kVariants) {
      for (const char* chunking : {"whole", "bytewise", "random", "random_large"}) {
        out.push_back({&e, variant, chunking});
      }
    }
  }
  return out;
}

class WireTrackerOnCapture : public ::testing::TestWithParam<Case> {
 protected:
  std::string file_ = std::string(GetParam().expected->name) + "." + GetParam().variant;
  Capture capture_ = load_capture(file_);
  bool tracked_ = std::string_view(GetParam().variant) == "deprecate_eof";
};

TEST_P(WireTrackerOnCapture, ConsumesExactlyTheResponseAndReportsItsFacts) {
  ASSERT_TRUE(capture_.loaded);
  ResponseTracker tracker(shape_of(capture_), capture_.capabilities());
  if (capture_.segments().empty()) {
    EXPECT_EQ(tracker.state(), State::Complete) << "a command the server does not answer";
    return;
  }
  ASSERT_TRUE(drive(tracker, capture_.segments(), chunking_named(GetParam().chunking)));
  check_facts(tracker, capture_, *GetParam().expected, tracked_);
}

TEST_P(WireTrackerOnCapture, LeavesTheNextResponseUnread) {
  if (std::string_view(GetParam().chunking) == "bytewise" &&
      capture_.server_bytes().size() > (1u << 20)) {
    GTEST_SKIP() << "covered by the other chunkings";
  }
  ResponseTracker tracker(shape_of(capture_), capture_.capabilities());
  if (capture_.segments().empty()) return;
  // What the server sends next when the client pipelined a COM_PING.
  const Bytes next = load_capture(std::string("ping.") + GetParam().variant).server_bytes();
  ASSERT_TRUE(drive(tracker, capture_.segments(), chunking_named(GetParam().chunking), next));
  check_facts(tracker, capture_, *GetParam().expected, tracked_);
}

INSTANTIATE_TEST_SUITE_P(Captures, WireTrackerOnCapture, ::testing::ValuesIn(all_cases()),
                         case_name);

// Two feeds, split at every offset of the response (the 17 MiB row excepted: its chunk
// boundaries are covered by the other chunkings and by the generated large-row tests).
class WireTrackerEverySplit : public ::testing::TestWithParam<const char*> {};

TEST_P(WireTrackerEverySplit, EveryCaptureCompletesWhereverItIsSplit) {
  for (const auto& e : kExpected) {
    if (std::string_view(e.name) == "query_large_row") continue;
    const Capture capture = load_capture(std::string(e.name) + "." + GetParam());
    const auto segments = capture.segments();
    std::size_t longest = 0;
    for (const auto& s : segments) longest = std::max(longest, s.server.size());
    for (std::size_t offset = 0; offset <= longest && !segments.empty(); ++offset) {
      ResponseTracker tracker(shape_of(capture), capture.capabilities());
      if (!drive(tracker, segments, {.kind = Chunking::SplitAt, .offset = offset})) {
        ADD_FAILURE() << e.name << " split at " << offset;
        break;
      }
      if (tracker.rows() != e.rows || tracker.error_code() != e.error_code) {
        ADD_FAILURE() << e.name << " split at " << offset << ": rows " << tracker.rows();
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, WireTrackerEverySplit, ::testing::ValuesIn(testing::kVariants));

TEST(WireTrackerCaptures, EveryCaptureFileHasExpectations) {
  std::set<std::string> known;
  for (const auto& e : kExpected) known.insert(e.name);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SQLCACHE_TEST_DATA_DIR "/wire")) {
    const std::string stem = entry.path().stem().string();  // name.variant
    const std::string name = stem.substr(0, stem.find('.'));
    ++files;
    if (name == "greeting") continue;  // not the answer to a command: see wire_handshake_test
    EXPECT_TRUE(known.count(name)) << entry.path() << " has no entry in kExpected";
  }
  EXPECT_EQ(files, 2 * (static_cast<int>(std::size(kExpected)) + 1));
}

TEST(WireTrackerCaptures, EveryCapturedServerPacketIsWellFramed) {
  for (const auto& entry : std::filesystem::directory_iterator(SQLCACHE_TEST_DATA_DIR "/wire")) {
    const Capture capture = load_capture(entry.path().stem().string());
    ASSERT_TRUE(capture.loaded);
    EXPECT_FALSE(capture.title.empty());
    EXPECT_TRUE(capture.meta.count("command"));
    for (const auto& p : capture.packets) {
      auto header = parse_header(p.bytes);
      ASSERT_TRUE(header) << capture.name;
      EXPECT_EQ(header->length + kHeaderSize, p.bytes.size()) << capture.name;
    }
  }
}

}  // namespace
}  // namespace sqlcache::wire
