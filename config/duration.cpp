#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include "config/decimal.hpp"

namespace sqlcache::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

// Largest first: a compound duration must use them in this order. "ms" precedes "m" so that
// the longest suffix is tried first when reading.
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

// Index into kUnits of the unit at the start of `text`, or kUnits.size() if none.
std::size_t unit_at(std::string_view text) {
  if (text.starts_with("ms")) return 4;
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    if (text.starts_with(kUnits[i].suffix)) return i;
  }
  return kUnits.size();
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

  // A bare number is seconds: the unit MySQL and Redis use for timeouts and TTLs.
  if (auto seconds = parse_decimal(text)) {
    if (*seconds > static_cast<std::uint64_t>(kMax / 1000)) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*seconds) * 1000);
  }

  std::int64_t total = 0;
  std::size_t next_allowed_unit = 0;  // enforces "largest unit first, each once"
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    auto number = parse_decimal(text.substr(0, digits));
    if (!number) return std::nullopt;
    text.remove_prefix(digits);

    std::size_t unit = unit_at(text);
    if (unit == kUnits.size() || unit < next_allowed_unit) return std::nullopt;
    text.remove_prefix(kUnits[unit].suffix.size());
    next_allowed_unit = unit + 1;

    std::int64_t factor = kUnits[unit].milliseconds;
    if (*number > static_cast<std::uint64_t>(kMax / factor)) return std::nullopt;
    std::int64_t part = static_cast<std::int64_t>(*number) * factor;
    if (part > kMax - total) return std::nullopt;
    total += part;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds duration) {
  std::int64_t count = duration.count();
  if (count == 0) return "0";
  std::string out;
  // Work on the magnitude as unsigned so that the most negative value does not overflow.
  std::uint64_t rest = static_cast<std::uint64_t>(count);
  if (count < 0) {
    out = "-";
    rest = 0 - rest;
  }
  for (const Unit& unit : kUnits) {
    std::uint64_t factor = static_cast<std::uint64_t>(unit.milliseconds);
    if (rest >= factor) {
      out += std::to_string(rest / factor);
      out += unit.suffix;
      rest %= factor;
    }
  }
  return out;
}

}  // namespace sqlcache::config
