#pragma once
// Leveled, one line per event, key=value (or JSON) to stderr. Never passwords or row data.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace sqlcache::proxy {

using config::LogFormat;
using config::LogLevel;

using LogField = std::pair<std::string_view, std::string_view>;

void set_log_options(LogLevel level, LogFormat format);
bool log_enabled(LogLevel level);
// Writes one line: time, level, component, event, then the fields in order.
void write_log(LogLevel level, std::string_view component, std::string_view event,
               std::initializer_list<LogField> fields);

inline void log_event(LogLevel level, std::string_view component, std::string_view event,
                      std::initializer_list<LogField> fields) {
  if (log_enabled(level)) write_log(level, component, event, fields);
}

}  // namespace sqlcache::proxy
