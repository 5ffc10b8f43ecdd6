#include "proxy/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace sqlcache::proxy {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<int> g_format{static_cast<int>(LogFormat::text)};

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

}  // namespace

void set_log_options(LogLevel level, LogFormat format) {
  g_level.store(static_cast<int>(level));
  g_format.store(static_cast<int>(format));
}

bool log_enabled(LogLevel level) {
  return level != LogLevel::off &&
         static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write_log(LogLevel level, std::string_view component, std::string_view event,
               std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(160);
  if (static_cast<LogFormat>(g_format.load()) == LogFormat::json) {
    auto add = [&](std::string_view key, std::string_view value, bool first = false) {
      if (!first) line += ',';
      line += '"';
      append_escaped(line, key);
      line += "\":\"";
      append_escaped(line, value);
      line += '"';
    };
    line += '{';
    add("time", timestamp(), true);
    add("level", config::to_string(level));
    add("component", component);
    add("event", event);
    for (const auto& [key, value] : fields) add(key, value);
    line += "}\n";
  } else {
    auto add = [&](std::string_view key, std::string_view value) {
      line += ' ';
      line += key;
      line += '=';
      if (needs_quotes(value)) {
        line += '"';
        append_escaped(line, value);
        line += '"';
      } else {
        line += value;
      }
    };
    line += timestamp();
    add("level", config::to_string(level));
    add("component", component);
    add("event", event);
    for (const auto& [key, value] : fields) add(key, value);
    line += '\n';
  }
  // One write per line keeps lines from different threads whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sqlcache::proxy
