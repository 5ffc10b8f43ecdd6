#include "cache/sql_functions.hpp"

#include <string>
#include <unordered_set>

#include "cache/sql_keywords.hpp"

namespace sqlcache::cache {
namespace {

using WordSet = std::unordered_set<std::string_view>;

// Built-ins whose result depends only on their arguments, the data read and session variables
// (which are part of the cache key). From the MySQL 8.0 and MariaDB 10.11 function indexes.
const WordSet& deterministic_functions() {
  // clang-format off
  static const WordSet names = {
      // control flow, comparison, casts
      "IF", "IFNULL", "NULLIF", "COALESCE", "GREATEST", "LEAST", "ISNULL", "INTERVAL", "CAST",
      "CONVERT", "DEFAULT", "VALUES", "NAME_CONST", "STRCMP", "ANY_VALUE", "GROUPING",
      // strings
      "ASCII", "BIN", "BIT_LENGTH", "CHAR", "CHAR_LENGTH", "CHARACTER_LENGTH", "CHR", "CONCAT",
      "CONCAT_WS", "ELT", "EXPORT_SET", "FIELD", "FIND_IN_SET", "FORMAT", "FROM_BASE64", "HEX",
      "INSERT", "INSTR", "LCASE", "LEFT", "LENGTH", "LENGTHB", "LOCATE", "LOWER", "LPAD", "LTRIM",
      "MAKE_SET", "MID", "NATURAL_SORT_KEY", "OCT", "OCTET_LENGTH", "ORD", "POSITION", "QUOTE",
      "REGEXP_INSTR", "REGEXP_LIKE", "REGEXP_REPLACE", "REGEXP_SUBSTR", "REPEAT", "REPLACE",
      "REVERSE", "RIGHT", "RPAD", "RTRIM", "SFORMAT", "SOUNDEX", "SPACE", "SUBSTR", "SUBSTRING",
      "SUBSTRING_INDEX", "TO_BASE64", "TO_CHAR", "TRIM", "UCASE", "UNHEX", "UPPER",
      "WEIGHT_STRING", "CHARSET", "COLLATION", "COERCIBILITY", "EXTRACTVALUE", "UPDATEXML",
      "MATCH",
      // numbers
      "ABS", "ACOS", "ASIN", "ATAN", "ATAN2", "CEIL", "CEILING", "CONV", "COS", "COT", "CRC32",
      "CRC32C", "DEGREES", "EXP", "FLOOR", "LN", "LOG", "LOG10", "LOG2", "MOD", "PI", "POW",
      "POWER", "RADIANS", "ROUND", "SIGN", "SIN", "SQRT", "TAN", "TRUNCATE", "BIT_COUNT",
      // dates and times of a given value (never of "now")
      "ADDDATE", "ADDTIME", "ADD_MONTHS", "CONVERT_TZ", "DATE", "DATE_ADD", "DATE_FORMAT",
      "DATE_SUB", "DATEDIFF", "DAY", "DAYNAME", "DAYOFMONTH", "DAYOFWEEK", "DAYOFYEAR", "EXTRACT",
      "FROM_DAYS", "FROM_UNIXTIME", "GET_FORMAT", "HOUR", "LAST_DAY", "MAKEDATE", "MAKETIME",
      "MICROSECOND", "MINUTE", "MONTH", "MONTHNAME", "PERIOD_ADD", "PERIOD_DIFF", "QUARTER",
      "SEC_TO_TIME", "SECOND", "STR_TO_DATE", "SUBDATE", "SUBTIME", "TIME", "TIME_FORMAT",
      "TIME_TO_SEC", "TIMEDIFF", "TIMESTAMP", "TIMESTAMPADD", "TIMESTAMPDIFF", "TO_DAYS",
      "TO_SECONDS", "WEEK", "WEEKDAY", "WEEKOFYEAR", "YEAR", "YEARWEEK",
      // aggregates and window functions
      "AVG", "BIT_AND", "BIT_OR", "BIT_XOR", "COUNT", "GROUP_CONCAT", "MAX", "MIN", "STD",
      "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "SUM", "VAR_POP", "VAR_SAMP", "VARIANCE", "MEDIAN",
      "CUME_DIST", "DENSE_RANK", "FIRST_VALUE", "LAG", "LAST_VALUE", "LEAD", "NTH_VALUE", "NTILE",
      "PERCENT_RANK", "PERCENTILE_CONT", "PERCENTILE_DISC", "RANK", "ROW_NUMBER",
      // hashing, encoding, compression, addresses
      "MD5", "SHA", "SHA1", "SHA2", "AES_ENCRYPT", "AES_DECRYPT", "ENCODE", "DECODE", "PASSWORD",
      "COMPRESS", "UNCOMPRESS", "UNCOMPRESSED_LENGTH", "INET_ATON", "INET_NTOA", "INET6_ATON",
      "INET6_NTOA", "IS_IPV4", "IS_IPV4_COMPAT", "IS_IPV4_MAPPED", "IS_IPV6", "IS_UUID",
      "UUID_TO_BIN", "BIN_TO_UUID", "STATEMENT_DIGEST", "STATEMENT_DIGEST_TEXT", "FORMAT_BYTES",
      "FORMAT_PICO_TIME", "GTID_SUBSET", "GTID_SUBTRACT", "DECODE_HISTOGRAM",
      // MariaDB dynamic columns
      "COLUMN_ADD", "COLUMN_CHECK", "COLUMN_CREATE", "COLUMN_DELETE", "COLUMN_EXISTS",
      "COLUMN_GET", "COLUMN_JSON", "COLUMN_LIST",
      // geometry (JSON_*, ST_* and MBR* are matched by prefix)
      "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
      "GEOMETRYCOLLECTION", "ASTEXT", "ASWKT", "ASBINARY", "ASWKB", "GEOMFROMTEXT", "GEOMFROMWKB",
      "POINTFROMTEXT", "GLENGTH", "AREA", "CENTROID", "CONTAINS", "CROSSES", "DISJOINT", "EQUALS",
      "INTERSECTS", "OVERLAPS", "TOUCHES", "WITHIN", "BUFFER", "CONVEXHULL", "DIMENSION",
      "ENVELOPE", "GEOMETRYTYPE", "ISEMPTY", "ISSIMPLE", "ISCLOSED", "NUMPOINTS", "POINTN",
      "STARTPOINT", "ENDPOINT", "SRID", "NUMGEOMETRIES", "GEOMETRYN", "EXTERIORRING",
      "INTERIORRINGN", "NUMINTERIORRINGS", "BOUNDARY", "ISRING",
  };
  // clang-format on
  return names;
}

// Built-ins whose result depends on the clock, the connection, randomness or server state, or
// that act on the server (locks, sleeps, waits). None of them writes tables.
const WordSet& nondeterministic_functions() {
  // clang-format off
  static const WordSet names = {
      "NOW", "SYSDATE", "CURDATE", "CURTIME", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
      "LOCALTIME", "LOCALTIMESTAMP", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP", "UNIX_TIMESTAMP",
      "RAND", "RANDOM_BYTES", "UUID", "UUID_SHORT", "SYS_GUID", "UUID_V4", "UUID_V7",
      "CONNECTION_ID", "LAST_INSERT_ID", "FOUND_ROWS", "ROW_COUNT", "USER", "CURRENT_USER",
      "SESSION_USER", "SYSTEM_USER", "CURRENT_ROLE", "DATABASE", "SCHEMA", "VERSION",
      "ICU_VERSION", "ROLES_GRAPHML", "PS_CURRENT_THREAD_ID", "PS_THREAD_ID", "SLEEP", "BENCHMARK",
      "GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "IS_FREE_LOCK", "IS_USED_LOCK",
      "MASTER_POS_WAIT", "SOURCE_POS_WAIT", "MASTER_GTID_WAIT", "WAIT_FOR_EXECUTED_GTID_SET",
      "WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS", "BINLOG_GTID_POS", "LASTVAL", "LOAD_FILE", "ROWNUM",
      "WSREP_LAST_SEEN_GTID", "WSREP_LAST_WRITTEN_GTID", "WSREP_SYNC_WAIT_UPTO_GTID",
  };
  // clang-format on
  return names;
}

const WordSet& sequence_functions() {
  static const WordSet names = {"NEXTVAL", "SETVAL"};
  return names;
}

// The server's grammar lists these as keywords (sql_yacc.yy: function_call_keyword,
// function_call_nonkeyword, function_call_conflict, sum_expr, window functions).
const WordSet& keyword_functions() {
  // clang-format off
  static const WordSet names = {
      "AVG",           "BIT_AND",      "BIT_OR",        "BIT_XOR",
      "COUNT",         "GROUP_CONCAT", "JSON_ARRAYAGG", "JSON_OBJECTAGG",
      "MAX",           "MIN",          "STD",           "STDDEV",
      "STDDEV_POP",    "STDDEV_SAMP",  "SUM",           "VAR_POP",
      "VAR_SAMP",      "VARIANCE",     "ROW_NUMBER",    "RANK",
      "DENSE_RANK",    "CUME_DIST",    "PERCENT_RANK",  "NTILE",
      "LEAD",          "LAG",          "FIRST_VALUE",   "LAST_VALUE",
      "NTH_VALUE",     "CAST",         "CONVERT",       "CHAR",
      "DATE",          "DAY",          "HOUR",          "INSERT",
      "INTERVAL",      "LEFT",         "MINUTE",        "MONTH",
      "RIGHT",         "SECOND",       "TIME",          "TIMESTAMP",
      "TRIM",          "YEAR",         "ADDDATE",       "DATE_ADD",
      "DATE_SUB",      "EXTRACT",      "GET_FORMAT",    "POSITION",
      "SUBDATE",       "SUBSTRING",    "SUBSTR",        "TIMESTAMPADD",
      "TIMESTAMPDIFF", "ASCII",        "CHARSET",       "COALESCE",
      "COLLATION",     "IF",           "FORMAT",        "MICROSECOND",
      "MOD",           "PASSWORD",     "QUARTER",       "REPEAT",
      "REPLACE",       "REVERSE",      "TRUNCATE",      "WEEK",
      "WEIGHT_STRING", "MATCH",        "DEFAULT",       "VALUES", "GROUPING",
  };
  // clang-format on
  return names;
}

const WordSet& bare_nondeterministic() {
  static const WordSet names = {
      "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME",    "LOCALTIMESTAMP",
      "UTC_DATE",     "UTC_TIME",     "UTC_TIMESTAMP",     "CURRENT_USER", "CURRENT_ROLE",
  };
  return names;
}

const WordSet& parenthesised_syntax() {
  static const WordSet names = {
      "OVER", "AGAINST", "COLUMNS", "ANY",    "SOME",    "ROW",
      "OF",   "NESTED",  "ROWS",    "WITHIN", "LATERAL",
  };
  return names;
}

const WordSet& type_names() {
  static const WordSet names = {"DATETIME", "BIT", "ENUM", "NCHAR", "NVARCHAR", "FIXED", "TEXT"};
  return names;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool in(const WordSet& set, std::string_view word) {
  const UpperWord upper(word);
  return !upper.view().empty() && set.count(upper.view()) != 0;
}

}  // namespace

FunctionKind classify_function(std::string_view name) {
  const UpperWord word(name);
  const std::string_view upper = word.view();
  if (upper.empty()) return FunctionKind::Unknown;
  if (deterministic_functions().count(upper) != 0) return FunctionKind::Deterministic;
  if (nondeterministic_functions().count(upper) != 0) return FunctionKind::NonDeterministic;
  if (sequence_functions().count(upper) != 0) return FunctionKind::SequenceAdvance;
  // JSON_*, ST_* and MBR* families are all pure functions of their arguments.
  for (std::string_view family : {"JSON_", "ST_", "MBR"}) {
    if (upper.size() > family.size() && starts_with(upper, family)) {
      return FunctionKind::Deterministic;
    }
  }
  return FunctionKind::Unknown;
}

bool is_keyword_function(std::string_view name) { return in(keyword_functions(), name); }
bool is_bare_nondeterministic(std::string_view word) { return in(bare_nondeterministic(), word); }
bool is_parenthesised_syntax(std::string_view word) { return in(parenthesised_syntax(), word); }
bool is_type_name(std::string_view word) { return in(type_names(), word); }

}  // namespace sqlcache::cache
