// LogRateLimiter: an instance's log-rate-limit-per-second, as a token bucket over bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mcf::logs {

// Lines over the limit are dropped and counted, never lost silently: report() hands the count
// of drops at most once a second so the caller can say so in the log (CF-CONTRACT §6).
// Thread: the loop's; time comes from the caller (a steady clock in ms).
class LogRateLimiter {
 public:
  // bytes_per_second < 0: unlimited; 0: every line is dropped.
  explicit LogRateLimiter(int64_t bytes_per_second = -1);

  int64_t limit() const { return limit_; }
  // Whether a line of bytes may go now; if not, it is counted as dropped.
  bool admit(size_t bytes, int64_t now_ms);

  struct Report {
    uint64_t dropped = 0;  // lines dropped since the last report
    bool first = false;    // the first report since the instance went over (CF's notice)
  };
  // Drops not reported yet, if there are any and the last report is a second old or more.
  std::optional<Report> report(int64_t now_ms);
  // Drops not reported yet, now (the instance is going away).
  std::optional<Report> flush();
  uint64_t droppedTotal() const { return dropped_total_; }

 private:
  int64_t limit_;
  double tokens_ = 0;
  int64_t refilled_ms_ = -1;
  uint64_t dropped_ = 0;        // not yet reported
  uint64_t dropped_total_ = 0;
  int64_t reported_ms_ = INT64_MIN / 2;
  bool over_ = false;           // reported since the last time a line went through
};

}  // namespace mcf::logs
