#include "config/byte_size.hpp"

#include <array>
#include <limits>

#include "config/decimal.hpp"

namespace sqlcache::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t bytes;
};

constexpr std::array<Unit, 5> kUnits{{
    {"TiB", 1024 * kGiB},
    {"GiB", kGiB},
    {"MiB", kMiB},
    {"KiB", kKiB},
    {"B", 1},
}};

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  auto number = parse_decimal(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view suffix = text.substr(digits);
  if (suffix.empty()) return number;
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    if (*number > std::numeric_limits<std::uint64_t>::max() / unit.bytes) return std::nullopt;
    return *number * unit.bytes;
  }
  return std::nullopt;
}

std::string format_byte_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const Unit& unit : kUnits) {
    if (bytes % unit.bytes == 0)
      return std::to_string(bytes / unit.bytes) + std::string(unit.suffix);
  }
  return std::to_string(bytes);  // unreachable: every value is a multiple of 1 byte
}

}  // namespace sqlcache::config
