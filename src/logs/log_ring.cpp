// The ring buffer behind LogStore.
#include "logs/log_ring.h"

#include <algorithm>

namespace mcf::logs {

namespace {
constexpr size_t kSlotOverhead = 64;  // timestamp, flags, string headers
constexpr size_t kFirstSlots = 64;
}  // namespace

size_t entryCost(const Entry& e) {
  return kSlotOverhead + e.payload.size() + e.source_type.size() + e.instance_id.size();
}

LogRing::LogRing(size_t capacity, size_t max_bytes)
    : capacity_(std::max<size_t>(capacity, 1)), max_bytes_(max_bytes) {}

void LogRing::evictOldest() {
  Entry& old = slots_[head_];
  bytes_ -= entryCost(old);
  old = Entry{};  // frees the payload now, not when the slot is reused
  head_ = (head_ + 1) % slots_.size();
  --count_;
  ++evicted_;
}

void LogRing::grow() {
  size_t n = std::min(capacity_, std::max(kFirstSlots, slots_.size() * 2));
  std::vector<Entry> bigger;
  bigger.reserve(n);
  for (size_t i = 0; i < count_; ++i) bigger.push_back(std::move(slots_[(head_ + i) % slots_.size()]));
  bigger.resize(n);
  slots_ = std::move(bigger);
  head_ = 0;
}

void LogRing::push(Entry e) {
  size_t cost = entryCost(e);
  while (count_ > 0 && (count_ >= capacity_ || bytes_ + cost > max_bytes_)) evictOldest();
  if (count_ == slots_.size()) grow();
  slots_[(head_ + count_) % slots_.size()] = std::move(e);
  ++count_;
  bytes_ += cost;
}

size_t LogRing::lowerBound(int64_t ts) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(mid).timestamp_ns < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

}  // namespace mcf::logs
