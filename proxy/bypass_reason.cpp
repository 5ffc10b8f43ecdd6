#include "proxy/bypass_reason.hpp"

namespace sqlcache::proxy {

std::string_view bypass_reason_name(std::size_t index) {
  if (index < 32) {
    auto reason = static_cast<cache::BypassReason>(index);
    if (reason == cache::BypassReason::None) return {};
    std::string_view name = cache::to_string(reason);
    return name == "unknown" ? std::string_view{} : name;
  }
  switch (static_cast<SessionBypass>(index)) {
    case SessionBypass::InTransaction:
      return "in_transaction";
    case SessionBypass::TtlZero:
      return "ttl_zero";
    case SessionBypass::NoDatabase:
      return "no_database";
    case SessionBypass::StoreUnavailable:
      return "store_unavailable";
    case SessionBypass::Cursor:
      return "cursor";
    case SessionBypass::LongData:
      return "long_data";
    case SessionBypass::StatementTooLarge:
      return "statement_too_large";
    case SessionBypass::OwnTransactionWrite:
      return "own_transaction_write";
    case SessionBypass::UnknownStatement:
      return "unknown_statement";
    case SessionBypass::Last:
      break;
  }
  return {};
}

}  // namespace sqlcache::proxy
