// LogRing: one source's envelopes in a fixed-capacity ring with a byte budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mcf::logs {

// What the ring keeps of an envelope: the source id is the ring's, tags are added on read.
struct Entry {
  int64_t timestamp_ns = 0;
  std::string source_type;
  std::string instance_id;
  bool is_err = false;
  std::string payload;
};

// What an entry counts against the byte budget: its strings plus a fixed overhead for the
// slot itself, so that a flood of empty lines is bounded too.
size_t entryCost(const Entry& e);

// Entries in strictly increasing timestamp order (the caller guarantees it). Holds at most
// capacity entries and at most max_bytes of entryCost; pushing past either evicts the oldest.
// The slot array grows by doubling up to capacity and never shrinks, so a busy ring does no
// allocation per line beyond the payload's own.
class LogRing {
 public:
  LogRing(size_t capacity, size_t max_bytes);

  void push(Entry e);
  size_t size() const { return count_; }
  size_t bytes() const { return bytes_; }
  uint64_t evicted() const { return evicted_; }
  // i-th oldest entry, 0 <= i < size().
  const Entry& at(size_t i) const { return slots_[(head_ + i) % slots_.size()]; }
  // First position whose timestamp is >= ts (size() if none): binary search.
  size_t lowerBound(int64_t ts) const;

 private:
  void evictOldest();
  void grow();

  size_t capacity_;
  size_t max_bytes_;
  std::vector<Entry> slots_;
  size_t head_ = 0;   // oldest
  size_t count_ = 0;
  size_t bytes_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace mcf::logs
