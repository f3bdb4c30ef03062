// LogStore: every app's log envelopes in a bounded ring buffer per source (log-cache's role).
//
// Owns: envelopes, their order and retention, reads by time range, live subscribers.
// Does not own: where lines come from (runner pipes, router, stager) or HTTP (controller/).
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "logs/log_ring.h"

namespace mcf::logs {

struct Envelope {
  int64_t timestamp_ns = 0;
  std::string source_id;     // app guid
  std::string instance_id;   // "0", "1", ...
  std::string source_type;   // APP/PROC/WEB, APP/TASK/<name>, STG, API, CELL, RTR, HEALTH, LGR
  bool is_err = false;       // log.type ERR
  std::string payload;       // one line, no trailing newline
  // Extra tags (app_name, space_id, ...): not stored; the log-cache API adds them on read.
  std::map<std::string, std::string> tags;
};

// How much one source (app) keeps: the oldest go first when either bound is reached.
struct LogLimits {
  size_t envelopes_per_source = 100000;
  size_t bytes_per_source = 64u << 20;  // entryCost, see log_ring.h
};

struct ReadQuery {
  int64_t start_time_ns = 0;           // inclusive
  int64_t end_time_ns = INT64_MAX;     // exclusive
  size_t limit = 100;                  // at most 1000 through the API
  bool descending = false;
};

class LogStore {
 public:
  explicit LogStore(const base::Clock& clock, LogLimits limits = {});

  // Splits payload on "\n" (trailing "\r\n" trimmed) and appends one envelope per line,
  // each with a strictly increasing timestamp so that order is never ambiguous.
  void emit(const std::string& source_id, const std::string& source_type,
            const std::string& instance_id, bool is_err, std::string_view payload);
  void append(Envelope envelope);
  // One line that the caller built (no copy of it is made); a line with a newline in it
  // still goes through emit's splitting.
  void emitLine(std::string_view source_id, std::string_view source_type,
                std::string_view instance_id, bool is_err, std::string line);

  // Envelopes of one source in [start, end), oldest first unless descending; at most limit.
  std::vector<Envelope> read(const std::string& source_id, const ReadQuery& query) const;
  // Forgets a source (app deleted).
  void drop(const std::string& source_id);
  size_t size(const std::string& source_id) const;
  size_t bytes(const std::string& source_id) const;
  // Envelopes evicted from the source's ring to make room (lifetime of the source).
  uint64_t evicted(const std::string& source_id) const;
  const LogLimits& limits() const { return limits_; }
  // Envelopes appended since start, and those pushed out of a full ring since (for /metrics).
  uint64_t appendedTotal() const { return appended_; }
  uint64_t evictedTotal() const;

  // Live subscription: fn sees every envelope appended after this call, until unsubscribe.
  using Subscriber = std::function<void(const Envelope&)>;
  uint64_t subscribe(const std::string& source_id, Subscriber fn);
  void unsubscribe(uint64_t id);

 private:
  // ts 0: now.
  void store(std::string_view source_id, std::string_view source_type,
             std::string_view instance_id, bool is_err, std::string payload, int64_t ts);

  const base::Clock& clock_;
  LogLimits limits_;
  int64_t last_ts_ = 0;
  uint64_t appended_ = 0;
  uint64_t evicted_gone_ = 0;  // evictions of sources dropped since
  std::map<std::string, LogRing, std::less<>> buffers_;
  std::map<std::string, std::map<uint64_t, Subscriber>, std::less<>> subs_;  // by source id
  std::map<uint64_t, std::string> sub_sources_;
  uint64_t next_sub_ = 1;
  int dispatching_ = 0;
  std::set<uint64_t> unsubscribed_;  // while dispatching
};

// A line as `cf logs` prints it: "   2024-05-01T10:00:00.12+0200 [APP/PROC/WEB/0] OUT text".
// STG, API and other non-instance sources print "[STG/0]" the same way.
std::string formatLine(const Envelope& envelope);

}  // namespace mcf::logs
