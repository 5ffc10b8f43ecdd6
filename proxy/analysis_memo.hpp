#pragma once
// Remembers the analysis of statements a worker has seen: applications send the same SQL
// text again and again (that is why they want a cache), and analysing it is the most
// expensive pure step of a hit. Bounded by memory, the recently used kept (GenerationalMemo):
// at most about 2 × kBytesPerGeneration per lexical mode. One per worker thread: no locks.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cache/sql_analysis.hpp"
#include "proxy/generational_memo.hpp"

namespace sqlcache::proxy {

class AnalysisMemo {
 public:
  // About 12,000 short statements per generation (a sysbench point select costs ~340 bytes).
  static constexpr std::size_t kBytesPerGeneration = 4 << 20;
  static constexpr std::size_t kMaxStatementSize = 8192;
  // Per entry beyond the text and its key text: the analysis, its tables, the map node.
  static constexpr std::size_t kEntryOverhead = 256;

  std::shared_ptr<const cache::Analysis> analyze(std::string_view sql,
                                                 const cache::AnalyzeOptions& options) {
    if (sql.size() > kMaxStatementSize) {
      return std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    }
    auto& memo = memo_for(options);
    if (auto* known = memo.find(sql)) return *known;
    auto analysis = std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    const std::size_t cost = sql.size() + analysis->normalized.size() + kEntryOverhead;
    memo.insert(std::string(sql), analysis, cost);
    return analysis;
  }

  std::size_t size() const {
    std::size_t total = 0;
    for (const auto& memo : by_mode_) total += memo.size();
    return total;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Memo = GenerationalMemo<std::string, std::shared_ptr<const cache::Analysis>,
                                kBytesPerGeneration, Hash, std::equal_to<>>;

  // The lexical mode changes what the text means, so each mode has its own memo.
  Memo& memo_for(const cache::AnalyzeOptions& options) {
    return by_mode_[(options.prepared ? 1 : 0) | (options.lexical.backslash_escapes ? 2 : 0) |
                    (options.lexical.ansi_quotes ? 4 : 0)];
  }
  Memo by_mode_[8];
};

}  // namespace sqlcache::proxy
