#pragma once
// Capability flags (https://mariadb.com/kb/en/connection/#capabilities) and server status
// flags (https://mariadb.com/kb/en/ok_packet/#server-status-flag).
#include <cstdint>

namespace sqlcache::wire {

namespace cap {
inline constexpr std::uint64_t kLongPassword = 1ULL << 0;  // MariaDB: CLIENT_MYSQL
inline constexpr std::uint64_t kFoundRows = 1ULL << 1;
inline constexpr std::uint64_t kLongFlag = 1ULL << 2;
inline constexpr std::uint64_t kConnectWithDb = 1ULL << 3;
inline constexpr std::uint64_t kNoSchema = 1ULL << 4;
inline constexpr std::uint64_t kCompress = 1ULL << 5;
inline constexpr std::uint64_t kOdbc = 1ULL << 6;
inline constexpr std::uint64_t kLocalFiles = 1ULL << 7;
inline constexpr std::uint64_t kIgnoreSpace = 1ULL << 8;
inline constexpr std::uint64_t kProtocol41 = 1ULL << 9;
inline constexpr std::uint64_t kInteractive = 1ULL << 10;
inline constexpr std::uint64_t kSsl = 1ULL << 11;
inline constexpr std::uint64_t kIgnoreSigpipe = 1ULL << 12;
inline constexpr std::uint64_t kTransactions = 1ULL << 13;
inline constexpr std::uint64_t kReserved = 1ULL << 14;
inline constexpr std::uint64_t kSecureConnection = 1ULL << 15;
inline constexpr std::uint64_t kMultiStatements = 1ULL << 16;
inline constexpr std::uint64_t kMultiResults = 1ULL << 17;
inline constexpr std::uint64_t kPsMultiResults = 1ULL << 18;
inline constexpr std::uint64_t kPluginAuth = 1ULL << 19;
inline constexpr std::uint64_t kConnectAttrs = 1ULL << 20;
inline constexpr std::uint64_t kPluginAuthLenencClientData = 1ULL << 21;
inline constexpr std::uint64_t kCanHandleExpiredPasswords = 1ULL << 22;
inline constexpr std::uint64_t kSessionTrack = 1ULL << 23;
inline constexpr std::uint64_t kDeprecateEof = 1ULL << 24;
inline constexpr std::uint64_t kOptionalResultsetMetadata = 1ULL << 25;  // MySQL 8
inline constexpr std::uint64_t kZstdCompression = 1ULL << 26;            // MySQL 8
inline constexpr std::uint64_t kQueryAttributes = 1ULL << 27;            // MySQL 8
inline constexpr std::uint64_t kMultiFactorAuth = 1ULL << 28;            // MySQL 8
inline constexpr std::uint64_t kProgressObsolete = 1ULL << 29;
inline constexpr std::uint64_t kSslVerifyServerCert = 1ULL << 30;
inline constexpr std::uint64_t kRememberOptions = 1ULL << 31;
// MariaDB's extended capabilities live in bits 32..63 (sent in otherwise reserved bytes).
inline constexpr std::uint64_t kMariaDbProgress = 1ULL << 32;
inline constexpr std::uint64_t kMariaDbComMulti = 1ULL << 33;
inline constexpr std::uint64_t kMariaDbStmtBulkOperations = 1ULL << 34;
inline constexpr std::uint64_t kMariaDbExtendedTypeInfo = 1ULL << 35;
inline constexpr std::uint64_t kMariaDbCacheMetadata = 1ULL << 36;

// What the proxy lets both ends negotiate. Everything else is masked off in the greeting
// (design decision 9): compression, TLS (until the proxy terminates it), MySQL 8 query
// attributes and optional metadata, and all MariaDB extended capabilities (progress
// packets, bulk execute, metadata caching) that change message formats the relay tracks.
inline constexpr std::uint64_t kProxySupported =
    kLongPassword | kFoundRows | kLongFlag | kConnectWithDb | kNoSchema | kOdbc | kLocalFiles |
    kIgnoreSpace | kProtocol41 | kInteractive | kIgnoreSigpipe | kTransactions | kReserved |
    kSecureConnection | kMultiStatements | kMultiResults | kPsMultiResults | kPluginAuth |
    kConnectAttrs | kPluginAuthLenencClientData | kCanHandleExpiredPasswords | kSessionTrack |
    kDeprecateEof | kRememberOptions;

// Capability bits that change how a result set is encoded; part of every cache key so an
// entry is only replayed to a client that negotiated the same format (design decision 1).
inline constexpr std::uint64_t kResultEncoding = kDeprecateEof | kSessionTrack;
}  // namespace cap

namespace status {
inline constexpr std::uint16_t kInTrans = 0x0001;
inline constexpr std::uint16_t kAutocommit = 0x0002;
inline constexpr std::uint16_t kMoreResultsExist = 0x0008;
inline constexpr std::uint16_t kNoGoodIndexUsed = 0x0010;
inline constexpr std::uint16_t kNoIndexUsed = 0x0020;
inline constexpr std::uint16_t kCursorExists = 0x0040;
inline constexpr std::uint16_t kLastRowSent = 0x0080;
inline constexpr std::uint16_t kDbDropped = 0x0100;
inline constexpr std::uint16_t kNoBackslashEscapes = 0x0200;
inline constexpr std::uint16_t kMetadataChanged = 0x0400;
inline constexpr std::uint16_t kQueryWasSlow = 0x0800;
inline constexpr std::uint16_t kPsOutParams = 0x1000;
inline constexpr std::uint16_t kInTransReadonly = 0x2000;
inline constexpr std::uint16_t kSessionStateChanged = 0x4000;
}  // namespace status

}  // namespace sqlcache::wire
