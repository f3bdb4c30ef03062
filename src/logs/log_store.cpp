// Ring buffers of log envelopes.
#include "logs/log_store.h"

#include <time.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace mcf::logs {

LogStore::LogStore(const base::Clock& clock, LogLimits limits)
    : clock_(clock), limits_(limits) {}

void LogStore::emit(const std::string& source_id, const std::string& source_type,
                    const std::string& instance_id, bool is_err, std::string_view payload) {
  while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r'))
    payload.remove_suffix(1);
  size_t start = 0;
  for (;;) {
    size_t nl = payload.find('\n', start);
    std::string_view line =
        payload.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    store(source_id, source_type, instance_id, is_err, std::string(line), 0);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void LogStore::append(Envelope envelope) {
  store(envelope.source_id, envelope.source_type, envelope.instance_id, envelope.is_err,
        std::move(envelope.payload), envelope.timestamp_ns);
}

// Every line goes through here; with no live reader of the source it costs the payload's
// string only (the router's RTR line takes this path on every request).
void LogStore::emitLine(std::string_view source_id, std::string_view source_type,
                        std::string_view instance_id, bool is_err, std::string line) {
  if (line.find('\n') != std::string::npos || (!line.empty() && line.back() == '\r')) {
    emit(std::string(source_id), std::string(source_type), std::string(instance_id), is_err, line);
    return;
  }
  store(source_id, source_type, instance_id, is_err, std::move(line), 0);
}

void LogStore::store(std::string_view source_id, std::string_view source_type,
                     std::string_view instance_id, bool is_err, std::string payload, int64_t ts) {
  if (ts == 0) ts = clock_.nowNs();
  // Strictly increasing: a reader resuming from the last timestamp it saw misses nothing.
  if (ts <= last_ts_) ts = last_ts_ + 1;
  last_ts_ = ts;
  ++appended_;
  auto ring = buffers_.find(source_id);
  if (ring == buffers_.end())
    ring = buffers_
               .try_emplace(std::string(source_id), limits_.envelopes_per_source,
                            limits_.bytes_per_source)
               .first;
  auto subs = subs_.find(source_id);
  if (subs == subs_.end()) {
    ring->second.push(Entry{ts, std::string(source_type), std::string(instance_id), is_err,
                            std::move(payload)});
    return;
  }
  Envelope envelope{.timestamp_ns = ts,
                    .source_id = std::string(source_id),
                    .instance_id = std::string(instance_id),
                    .source_type = std::string(source_type),
                    .is_err = is_err,
                    .payload = payload,
                    .tags = {}};
  ring->second.push(Entry{ts, envelope.source_type, envelope.instance_id, is_err,
                          std::move(payload)});
  // A subscriber may unsubscribe (itself or another) from its callback: those are only marked
  // while we dispatch, and erased after, so no function is destroyed while it runs.
  ++dispatching_;
  for (auto& [id, fn] : subs->second)
    if (!unsubscribed_.count(id)) fn(envelope);
  if (--dispatching_ == 0 && !unsubscribed_.empty()) {
    std::set<uint64_t> gone = std::move(unsubscribed_);
    unsubscribed_.clear();
    for (uint64_t id : gone) unsubscribe(id);
  }
}

std::vector<Envelope> LogStore::read(const std::string& source_id, const ReadQuery& q) const {
  std::vector<Envelope> out;
  auto it = buffers_.find(source_id);
  if (it == buffers_.end() || q.limit == 0 || q.start_time_ns >= q.end_time_ns) return out;
  const LogRing& ring = it->second;
  size_t lo = ring.lowerBound(q.start_time_ns);
  size_t hi = q.end_time_ns == INT64_MAX ? ring.size() : ring.lowerBound(q.end_time_ns);
  if (hi < lo) hi = lo;
  size_t n = std::min(q.limit, hi - lo);
  out.reserve(n);
  auto make = [&](const Entry& e) {
    return Envelope{.timestamp_ns = e.timestamp_ns, .source_id = source_id,
                    .instance_id = e.instance_id, .source_type = e.source_type,
                    .is_err = e.is_err, .payload = e.payload, .tags = {}};
  };
  if (q.descending) {
    for (size_t i = hi; i > hi - n; --i) out.push_back(make(ring.at(i - 1)));
  } else {
    for (size_t i = lo; i < lo + n; ++i) out.push_back(make(ring.at(i)));
  }
  return out;
}

void LogStore::drop(const std::string& source_id) {
  auto it = buffers_.find(source_id);
  if (it == buffers_.end()) return;
  evicted_gone_ += it->second.evicted();
  buffers_.erase(it);
}

uint64_t LogStore::evictedTotal() const {
  uint64_t n = evicted_gone_;
  for (const auto& [source, ring] : buffers_) n += ring.evicted();
  return n;
}

size_t LogStore::size(const std::string& source_id) const {
  auto it = buffers_.find(source_id);
  return it == buffers_.end() ? 0 : it->second.size();
}

size_t LogStore::bytes(const std::string& source_id) const {
  auto it = buffers_.find(source_id);
  return it == buffers_.end() ? 0 : it->second.bytes();
}

uint64_t LogStore::evicted(const std::string& source_id) const {
  auto it = buffers_.find(source_id);
  return it == buffers_.end() ? 0 : it->second.evicted();
}

uint64_t LogStore::subscribe(const std::string& source_id, Subscriber fn) {
  uint64_t id = next_sub_++;
  subs_[source_id][id] = std::move(fn);
  sub_sources_[id] = source_id;
  return id;
}

void LogStore::unsubscribe(uint64_t id) {
  if (dispatching_ > 0) {
    unsubscribed_.insert(id);
    return;
  }
  auto it = sub_sources_.find(id);
  if (it == sub_sources_.end()) return;
  auto s = subs_.find(it->second);
  if (s != subs_.end()) {
    s->second.erase(id);
    if (s->second.empty()) subs_.erase(s);
  }
  sub_sources_.erase(it);
}

std::string formatLine(const Envelope& e) {
  time_t secs = static_cast<time_t>(e.timestamp_ns / 1000000000);
  tm local;
  localtime_r(&secs, &local);
  long off = local.tm_gmtoff;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  int centis = static_cast<int>((e.timestamp_ns / 10000000) % 100);
  return fmt::format("   {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:02}{}{:02}{:02} [{}/{}] {} {}",
                     local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                     local.tm_min, local.tm_sec, centis, sign, off / 3600, (off % 3600) / 60,
                     e.source_type, e.instance_id, e.is_err ? "ERR" : "OUT", e.payload);
}

}  // namespace mcf::logs
