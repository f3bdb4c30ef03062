// Ring buffers of log envelopes.
#include "logs/log_store.h"

#include <time.h>

#include <algorithm>

#include <fmt/format.h>

namespace mcf::logs {

LogStore::LogStore(const base::Clock& clock, size_t per_source)
    : clock_(clock), per_source_(per_source) {}

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
    Envelope e;
    e.source_id = source_id;
    e.source_type = source_type;
    e.instance_id = instance_id;
    e.is_err = is_err;
    e.payload = std::string(line);
    append(std::move(e));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void LogStore::append(Envelope envelope) {
  int64_t ts = envelope.timestamp_ns ? envelope.timestamp_ns : clock_.nowNs();
  // Strictly increasing: a reader resuming from the last timestamp it saw misses nothing.
  if (ts <= last_ts_) ts = last_ts_ + 1;
  last_ts_ = ts;
  envelope.timestamp_ns = ts;
  auto& buf = buffers_[envelope.source_id];
  buf.push_back(std::move(envelope));
  ++appended_;
  while (buf.size() > per_source_) {
    buf.pop_front();
    ++evicted_;
  }
  const Envelope& stored = buf.back();
  // Subscribers may unsubscribe while we iterate: walk a snapshot of the ids.
  std::vector<uint64_t> ids;
  for (const auto& [id, sub] : subs_)
    if (sub.source_id == stored.source_id) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = subs_.find(id);
    if (it != subs_.end()) it->second.fn(stored);
  }
}

std::vector<Envelope> LogStore::read(const std::string& source_id, const ReadQuery& q) const {
  std::vector<Envelope> out;
  auto it = buffers_.find(source_id);
  if (it == buffers_.end() || q.limit == 0) return out;
  const auto& buf = it->second;
  auto by_ts = [](const Envelope& e, int64_t ts) { return e.timestamp_ns < ts; };
  auto lo = std::lower_bound(buf.begin(), buf.end(), q.start_time_ns, by_ts);
  auto hi = std::lower_bound(lo, buf.end(), q.end_time_ns, by_ts);
  if (q.descending) {
    for (auto r = hi; r != lo && out.size() < q.limit;) out.push_back(*--r);
  } else {
    for (auto f = lo; f != hi && out.size() < q.limit; ++f) out.push_back(*f);
  }
  return out;
}

void LogStore::drop(const std::string& source_id) { buffers_.erase(source_id); }

size_t LogStore::size(const std::string& source_id) const {
  auto it = buffers_.find(source_id);
  return it == buffers_.end() ? 0 : it->second.size();
}

uint64_t LogStore::subscribe(const std::string& source_id, Subscriber fn) {
  uint64_t id = next_sub_++;
  subs_[id] = Sub{source_id, std::move(fn)};
  return id;
}

void LogStore::unsubscribe(uint64_t id) { subs_.erase(id); }

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
