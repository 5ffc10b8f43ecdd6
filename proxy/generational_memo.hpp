#pragma once
// A memo bounded by the memory its entries cost, that keeps what was used recently: for the
// per-worker analysis memo of the hit path. New entries go into the current generation; when
// its entries cost more than `CostPerGeneration`, it becomes the previous generation and the
// one before is dropped. A hit in the previous generation moves the entry back into the
// current one. So a working set costing up to `CostPerGeneration` always hits, and at most
// about twice that is held, with no bookkeeping per hit beyond the lookup (an LRU list would
// cost a splice and a pointer chase per hit). Clearing everything when full, which it
// replaces, halved the useful size and missed on every statement just after a clear.
#include <cstddef>
#include <functional>
#include <unordered_map>
#include <utility>

namespace sqlcache::proxy {

template <typename Key, typename Value, std::size_t CostPerGeneration,
          typename Hash = std::hash<Key>, typename Equal = std::equal_to<Key>>
class GenerationalMemo {
 public:
  static constexpr std::size_t kCostPerGeneration = CostPerGeneration;

  // The remembered value, or nullptr. The pointer is valid until the next call that changes
  // the memo: find() (which may move entries between generations), insert() or clear().
  template <typename Lookup>
  Value* find(const Lookup& key) {
    if (auto it = current_.find(key); it != current_.end()) return &it->second.value;
    auto it = previous_.find(key);
    if (it == previous_.end()) return nullptr;
    auto node = previous_.extract(it);
    const std::size_t cost = node.mapped().cost;
    make_room(cost);
    Value* value = &current_.insert(std::move(node)).position->second.value;
    current_cost_ += cost;  // after the insert, which may throw (a rehash)
    return value;
  }

  // Remembers `value` under `key` (replacing what was there), counting `cost` against the
  // generation's budget. Returns the stored value.
  Value& insert(Key key, Value value, std::size_t cost) {
    if (auto it = previous_.find(key); it != previous_.end()) previous_.erase(it);
    if (auto it = current_.find(key); it != current_.end()) {
      current_cost_ -= it->second.cost;
      current_.erase(it);
    }
    make_room(cost);
    Value& stored =
        current_.emplace(std::move(key), Slot{std::move(value), cost}).first->second.value;
    current_cost_ += cost;
    return stored;
  }

  void clear() {
    current_.clear();
    previous_.clear();
    current_cost_ = 0;
  }
  std::size_t size() const { return current_.size() + previous_.size(); }

 private:
  struct Slot {
    Value value;
    std::size_t cost = 0;
  };
  using Map = std::unordered_map<Key, Slot, Hash, Equal>;

  void make_room(std::size_t cost) {
    if (current_.empty() || current_cost_ + cost <= CostPerGeneration) return;
    previous_ = std::move(current_);
    current_.clear();  // a moved-from map is valid but unspecified
    current_cost_ = 0;
  }

  Map current_;
  Map previous_;
  std::size_t current_cost_ = 0;
};

}  // namespace sqlcache::proxy
