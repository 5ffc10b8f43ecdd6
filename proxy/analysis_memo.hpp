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
  // About 11,000 short statements per generation: a sysbench point select costs about 520
  // bytes (measured with mallinfo2 over 5,000 of them).
  static constexpr std::size_t kBytesPerGeneration = 6 << 20;
  static constexpr std::size_t kMaxStatementSize = 8192;
  // Per entry beyond its texts: the analysis and its control block, the map node and bucket,
  // allocator headers; and per table named.
  static constexpr std::size_t kEntryOverhead = 384;
  static constexpr std::size_t kTableOverhead = sizeof(cache::TableName) + 16;

  std::shared_ptr<const cache::Analysis> analyze(std::string_view sql,
                                                 const cache::AnalyzeOptions& options) {
    if (sql.size() > kMaxStatementSize) {
      return std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    }
    auto& memo = memo_for(options);
    if (auto* known = memo.find(sql)) return *known;
    auto analysis = std::make_shared<const cache::Analysis>(cache::analyze(sql, options));
    memo.insert(std::string(sql), analysis, cost_of(sql, *analysis));
    return analysis;
  }

  // The memory one remembered statement takes, roughly.
  static std::size_t cost_of(std::string_view sql, const cache::Analysis& analysis) {
    std::size_t cost =
        sql.size() + analysis.normalized.size() + analysis.key_text.size() + kEntryOverhead;
    for (const auto* tables : {&analysis.tables_read, &analysis.tables_written}) {
      for (const auto& table : *tables) {
        cost += kTableOverhead + table.schema.size() + table.table.size();
      }
    }
    return cost;
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
