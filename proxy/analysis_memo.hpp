#pragma once
// Remembers the analysis of statements a worker has seen: applications send the same SQL
// text again and again (that is why they want a cache), and analysing it is the most
// expensive pure step of a hit. Bounded; cleared when full. One per worker thread: no locks.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache/sql_analysis.hpp"

namespace sqlcache::proxy {

class AnalysisMemo {
 public:
  static constexpr std::size_t kMaxEntries = 4096;
  static constexpr std::size_t kMaxStatementSize = 8192;

  std::shared_ptr<const cache::Analysis> analyze(std::string_view sql,
                                                 const cache::AnalyzeOptions& options) {
    if (sql.size() > kMaxStatementSize) {
      return std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    }
    auto& memo = memo_for(options);
    if (auto it = memo.find(sql); it != memo.end()) return it->second;
    if (memo.size() >= kMaxEntries) memo.clear();
    auto analysis = std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    memo.emplace(std::string(sql), analysis);
    return analysis;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Memo = std::unordered_map<std::string, std::shared_ptr<const cache::Analysis>, Hash,
                                  std::equal_to<>>;

  // The lexical mode changes what the text means, so each mode has its own memo.
  Memo& memo_for(const cache::AnalyzeOptions& options) {
    return by_mode_[(options.prepared ? 1 : 0) | (options.lexical.backslash_escapes ? 2 : 0) |
                    (options.lexical.ansi_quotes ? 4 : 0)];
  }
  Memo by_mode_[8];
};

}  // namespace sqlcache::proxy
