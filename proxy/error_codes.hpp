#pragma once
// The server error codes the proxy itself sends, with their SQLSTATEs where a client may look
// at them (https://mariadb.com/kb/en/mariadb-error-codes/). Server-range codes only:
// libmariadb reports an ERR packet carrying a client-range code (2000-2999, e.g. 2013) as
// 2027 "malformed packet".
#include <cstdint>

namespace sqlcache::proxy {

inline constexpr std::uint16_t kErHandshakeError = 1043;        // 08S01 "Bad handshake"
inline constexpr std::uint16_t kErAccessDenied = 1045;          // 28000
inline constexpr std::uint16_t kErUnknownCommand = 1047;        // 08S01
inline constexpr std::uint16_t kErServerShutdown = 1053;        // 08S01
inline constexpr std::uint16_t kErNetPacketTooLarge = 1153;     // 08S01
inline constexpr std::uint16_t kErNetPacketsOutOfOrder = 1156;  // 08S01
inline constexpr std::uint16_t kErNetReadError = 1158;          // 08S01
// The backend is unreachable, went away, or broke the protocol.
inline constexpr std::uint16_t kErBackendUnreachable = kErNetReadError;
inline constexpr std::uint16_t kErBackendLost = kErNetReadError;
// ER_SECURE_TRANSPORT_REQUIRED (MySQL 5.7+, MariaDB 11.4+), SQLSTATE 08004.
inline constexpr std::uint16_t kErSecureTransportRequired = 3159;

}  // namespace sqlcache::proxy
