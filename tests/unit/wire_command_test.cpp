// Command phase: command bytes, response shapes, and the fields the proxy reads from commands.
#include <gtest/gtest.h>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

Bytes first_server_payload(const testing::Capture& c) {
  auto payloads = c.server_payloads();
  return payloads.empty() ? Bytes{} : payloads.front();
}

TEST(WireCommand, NamesFollowTheProtocolDocs) {
  EXPECT_EQ(command_name(0x03), "COM_QUERY");
  EXPECT_EQ(command_name(0x16), "COM_STMT_PREPARE");
  EXPECT_EQ(command_name(0x1F), "COM_RESET_CONNECTION");
  EXPECT_EQ(command_name(0xFA), "COM_STMT_BULK_EXECUTE");
  EXPECT_EQ(command_name(0x20), "COM_UNKNOWN");
  EXPECT_EQ(command_name(0xFF), "COM_UNKNOWN");
}

TEST(WireCommand, EveryCommandByteHasAShapeAndUnknownOnesAreUnsupported) {
  int known = 0;
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<std::uint8_t>(b);
    const bool named = command_name(byte) != "COM_UNKNOWN";
    known += named;
    if (!named) {
      EXPECT_EQ(response_shape(byte), ResponseShape::Unsupported) << b;
    }
  }
  EXPECT_EQ(known, 34);
}

TEST(WireCommand, ShapesOfTheCommandsTheProxyRelays) {
  EXPECT_EQ(response_shape(0x03), ResponseShape::ResultSets);    // COM_QUERY
  EXPECT_EQ(response_shape(0x17), ResponseShape::ResultSets);    // COM_STMT_EXECUTE
  EXPECT_EQ(response_shape(0x16), ResponseShape::Prepare);       // COM_STMT_PREPARE
  EXPECT_EQ(response_shape(0x04), ResponseShape::FieldList);     // COM_FIELD_LIST
  EXPECT_EQ(response_shape(0x1C), ResponseShape::Fetch);         // COM_STMT_FETCH
  EXPECT_EQ(response_shape(0x11), ResponseShape::Auth);          // COM_CHANGE_USER
  EXPECT_EQ(response_shape(0x19), ResponseShape::None);          // COM_STMT_CLOSE
  EXPECT_EQ(response_shape(0x18), ResponseShape::None);          // COM_STMT_SEND_LONG_DATA
  EXPECT_EQ(response_shape(0x01), ResponseShape::None);          // COM_QUIT
  EXPECT_EQ(response_shape(0x09), ResponseShape::SinglePacket);  // COM_STATISTICS
  EXPECT_EQ(response_shape(0x1B), ResponseShape::SinglePacket);  // COM_SET_OPTION
  EXPECT_EQ(response_shape(0x12), ResponseShape::Unsupported);   // COM_BINLOG_DUMP
  EXPECT_EQ(response_shape(0xFE), ResponseShape::Unsupported);   // COM_MULTI
}

TEST(WireCommand, CapturedCursorExecuteHeader) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto prepare = load_capture(std::string("stmt_prepare_no_params.") + variant);
    auto execute = load_capture(std::string("stmt_execute_cursor.") + variant);
    auto ok = parse_prepare_ok(first_server_payload(prepare));
    auto header = parse_stmt_execute_header(execute.command());
    ASSERT_TRUE(ok);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->statement_id, ok->statement_id) << "executes what the server prepared";
    EXPECT_EQ(header->flags, 1) << "CURSOR_TYPE_READ_ONLY";
    EXPECT_EQ(header->iteration_count, 1u);
  }
}

TEST(WireCommand, CapturedPlainExecuteHasNoCursor) {
  auto header = parse_stmt_execute_header(load_capture("stmt_execute_types.classic").command());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->flags, kCursorTypeNoCursor);
}

TEST(WireCommand, ExecuteHeaderNeedsTheCommandByteAndTenBytes) {
  const Bytes full = load_capture("stmt_execute_cursor.classic").command();
  for (std::size_t cut = 0; cut < 10; ++cut) {
    EXPECT_FALSE(parse_stmt_execute_header(ByteView(full).first(cut))) << "cut at " << cut;
  }
  Bytes wrong = full;
  wrong[0] = 0x16;
  EXPECT_FALSE(parse_stmt_execute_header(wrong));
}

TEST(WireCommand, CapturedFetchAndCloseNameTheirStatement) {
  auto prepare = load_capture("stmt_prepare_no_params.classic");
  auto ok = parse_prepare_ok(first_server_payload(prepare));
  ASSERT_TRUE(ok);
  EXPECT_EQ(parse_statement_id(load_capture("stmt_fetch_rows.classic").command()),
            ok->statement_id);
  EXPECT_EQ(parse_statement_id(load_capture("stmt_reset.classic").command()), ok->statement_id);
  auto with_params =
      parse_prepare_ok(first_server_payload(load_capture("stmt_prepare_params.classic")));
  ASSERT_TRUE(with_params);
  EXPECT_EQ(parse_statement_id(load_capture("stmt_close.classic").command()),
            with_params->statement_id);
  EXPECT_FALSE(parse_statement_id(Bytes{0x19, 1, 0, 0}));
}

struct PrepareCase {
  const char* capture;
  std::uint16_t columns;
  std::uint16_t params;
};

class WireCapturedPrepareOk : public ::testing::TestWithParam<PrepareCase> {};

TEST_P(WireCapturedPrepareOk, CountsMatchTheStatement) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto ok = parse_prepare_ok(
        first_server_payload(load_capture(std::string(GetParam().capture) + "." + variant)));
    ASSERT_TRUE(ok);
    EXPECT_NE(ok->statement_id, 0u);
    EXPECT_EQ(ok->num_columns, GetParam().columns);
    EXPECT_EQ(ok->num_params, GetParam().params);
    EXPECT_EQ(ok->warnings, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Statements, WireCapturedPrepareOk,
                         ::testing::Values(PrepareCase{"stmt_prepare_params", 2, 2},
                                           PrepareCase{"stmt_prepare_no_params", 2, 0},
                                           PrepareCase{"stmt_prepare_types", 17, 0},
                                           PrepareCase{"stmt_prepare_insert", 0, 1}),
                         [](const auto& info) { return std::string(info.param.capture); });

TEST(WireCommand, PrepareOkRejectsErrAndTruncation) {
  EXPECT_FALSE(parse_prepare_ok(first_server_payload(load_capture("stmt_prepare_error.classic"))));
  const Bytes ok = first_server_payload(load_capture("stmt_prepare_params.classic"));
  for (std::size_t cut = 0; cut < 9; ++cut) {
    EXPECT_FALSE(parse_prepare_ok(ByteView(ok).first(cut))) << "cut at " << cut;
  }
  auto without_warnings = parse_prepare_ok(ByteView(ok).first(9));
  ASSERT_TRUE(without_warnings) << "old servers stop after the parameter count";
  EXPECT_EQ(without_warnings->num_params, 2);
}

TEST(WireCommand, CapturedChangeUser) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("change_user.") + variant);
    const Bytes command = capture.command();  // the parse views into it
    auto c = parse_change_user(command, capture.capabilities());
    ASSERT_TRUE(c);
    EXPECT_EQ(c->username, "sqlcache");
    EXPECT_EQ(c->database, "tutorial");
    EXPECT_EQ(c->character_set, 45);
    EXPECT_EQ(c->auth_plugin_name, "caching_sha2_password");
  }
}

TEST(WireCommand, ChangeUserWithAuthDataAndNoPlugin) {
  Bytes payload{0x11, 'b', 'o', 'b', 0, 3, 0xAA, 0x00, 0xBB, 'd', 'b', 0};
  auto c = parse_change_user(payload, cap::kProtocol41 | cap::kSecureConnection);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "bob");
  EXPECT_EQ(c->database, "db");
  EXPECT_EQ(c->character_set, 0);
  EXPECT_TRUE(c->auth_plugin_name.empty());
}

TEST(WireCommand, ChangeUserTruncatedBeforeTheDatabaseIsRejected) {
  auto capture = load_capture("change_user.classic");
  const Bytes full = capture.command();
  // 0x11, "sqlcache\0", auth length 0, "tutorial\0"
  const std::size_t database_end = 1 + 9 + 1 + 9;
  for (std::size_t cut = 0; cut < database_end; ++cut) {
    EXPECT_FALSE(parse_change_user(ByteView(full).first(cut), capture.capabilities()))
        << "cut at " << cut;
  }
  for (std::size_t cut = database_end; cut <= full.size(); ++cut) {
    parse_change_user(ByteView(full).first(cut), capture.capabilities());  // no crash
  }
}

}  // namespace
}  // namespace sqlcache::wire
